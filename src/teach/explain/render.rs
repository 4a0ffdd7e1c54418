//! Rendering of a [`Story`] as text (wrapped for a terminal) and Markdown; JSON is serde's.

use std::fmt::Write;

use crate::model::formulas::classify;

use super::*;

/// Width of text lines.
pub(super) const WIDTH: usize = 100;
/// Width of the year column.
const YEAR: usize = 9;

/// Append `text` wrapped at [`WIDTH`], the first line after `first`, the others after
/// `indent` spaces.
pub(super) fn wrap(out: &mut String, first: &str, indent: usize, text: &str) {
    let mut line = first.to_string();
    let mut len = line.chars().count();
    let mut fresh = true;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        if !fresh && len + 1 + w > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(indent);
            len = indent;
            fresh = true;
        }
        if !fresh {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += w;
        fresh = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// `balances against NEAR`, `is secure`, `bandwagons with BULLY`.
pub fn strategy_phrase(strategy: &str, principal: &str) -> String {
    match strategy {
        "secure" => format!("is secure (its principal threat: {principal})"),
        "bandwagon" => format!("bandwagons with {principal}"),
        _ => format!("balances against {principal}"),
    }
}

/// The headline of a decision in the text form: `SMALL balances against NEAR`.
pub fn decision_headline(d: &DecisionEntry) -> String {
    format!("{} {}", d.state, strategy_phrase(&d.strategy, &d.principal))
}

/// The name of a source in text (`offense` is spelt as in the model's fields in JSON).
fn source_word(name: &str) -> &str {
    if name == "offense" { "offence" } else { name }
}

fn threat_text(d: &DecisionEntry, threat_form: &str, weights: &Sources) -> String {
    let f = &d.factors;
    let prox = if d.border {
        format!("{:.2}, land border", d.sources.proximity)
    } else {
        format!("{:.2}, {:.0} km", d.sources.proximity, d.distance_km)
    };
    let sum = threat_form == "sum";
    let parts = [
        (
            "power",
            format!("{:.2}", d.sources.power),
            f.power,
            weights.power,
        ),
        ("proximity", prox, f.proximity, weights.proximity),
        (
            "offence",
            format!("{:.2}", d.sources.offense),
            f.offense,
            weights.offense,
        ),
        (
            "intent",
            format!("{:.2}", d.sources.intent),
            f.intent,
            weights.intent,
        ),
    ];
    let parts: Vec<String> = parts
        .iter()
        .map(|(name, value, factor, weight)| {
            if *weight == 0.0 {
                format!("{name} {value} (ignored)")
            } else if sum {
                format!("{name} {value} (+{factor:.2})")
            } else {
                format!("{name} {value} (×{factor:.2})")
            }
        })
        .collect();
    let mut t = if sum {
        format!(
            "threat from {} T = {:.2}, the weighted mean of {}",
            d.principal,
            d.threat,
            parts.join(", ")
        )
    } else {
        format!(
            "threat from {} T = {:.2} = {}",
            d.principal,
            d.threat,
            parts.join(" · ")
        )
    };
    if f.dampening < 0.995 {
        let _ = write!(t, " · trade ties (×{:.2})", f.dampening);
    }
    let _ = write!(t, "; biggest source: {}", source_word(&d.biggest_source));
    if format!("{:.2}", d.kappa) != format!("{:.2}", d.threat) {
        if d.kappa > d.threat {
            let _ = write!(
                t,
                "; with {}'s allies, camp threat K = {:.2}",
                d.principal, d.kappa
            );
        } else {
            let _ = write!(
                t,
                "; {} is partly an ally, which discounts it: camp threat K = {:.2}",
                d.principal, d.kappa
            );
        }
    }
    t.push('.');
    t
}

fn partner_text(q: &PartnerEntry) -> String {
    let terms = [
        ("power brought", q.power_brought),
        ("trade", q.trade),
        ("affinity", q.affinity),
        ("treaty", q.treaty),
        ("mistrust", q.mistrust),
        ("autonomy", q.autonomy),
    ];
    let parts: Vec<String> = terms
        .iter()
        .filter(|(_, v)| *v != 0.0)
        .map(|(name, v)| format!("{name} {v:+.2}"))
        .collect();
    format!("{} V = {:+.2} ({})", q.state, q.value, parts.join(", "))
}

/// "best partners", or a reminder that a secure or bandwagoning state does not seek them.
fn partners_label(d: &DecisionEntry) -> &'static str {
    match d.strategy.as_str() {
        "balance" => "best partners",
        "secure" => "best partners (not sought while secure)",
        _ => "best partners (not sought while bandwagoning)",
    }
}

fn change_note(d: &DecisionEntry) -> String {
    match d.reported {
        Reported::Start => String::new(),
        Reported::StrategyChanged => {
            let h = d.previous_principal.as_deref().unwrap_or("?");
            match d.previous_strategy.as_deref() {
                Some("secure") => " (was secure)".to_string(),
                Some("bandwagon") => format!(" (was bandwagoning with {h})"),
                _ => format!(" (was balancing against {h})"),
            }
        }
        Reported::ThreatChanged => format!(
            " (new principal threat; was {})",
            d.previous_principal.as_deref().unwrap_or("?")
        ),
    }
}

fn states_text(states: &[StateLine]) -> String {
    states
        .iter()
        .map(|x| {
            let what = match x.strategy.as_str() {
                "secure" => format!("{} secure, largest threat {}", x.state, x.principal),
                "bandwagon" => format!("{} bandwagons with {}", x.state, x.principal),
                _ => format!("{} balances against {}", x.state, x.principal),
            };
            format!("{what} (κ {:.2}, intent {:.2})", x.kappa, x.intent)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// An alignment with two decimals, or as many more as it takes (up to six) for the printed
/// number to fall in the value's own class under the thresholds `(alliance, aligned,
/// rivalry)`: −0.1996 is neutral, but "-0.20" reads as a rivalry at the threshold −0.2.
fn alignment_text(a: f64, (alliance, aligned, rivalry): (f64, f64, f64)) -> String {
    // Classified as the engine does, in single precision (the printed number read back).
    let (alliance, aligned, rivalry) = (alliance as f32, aligned as f32, rivalry as f32);
    let class = |x: f64| classify(x as f32, alliance, aligned, rivalry);
    (2..=6)
        .map(|d| format!("{a:+.d$}"))
        .find(|t| t.parse::<f64>().is_ok_and(|x| class(x) == class(a)))
        .unwrap_or_else(|| format!("{a:+}"))
}

fn pairs_text(story: &Story, pairs: &[PairLine]) -> String {
    pairs
        .iter()
        .map(|x| {
            format!(
                "{}-{} {} {}",
                x.a,
                x.b,
                story.alignment(x.alignment),
                x.class
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Story {
    /// An alignment as the story prints it (`alignment_text` with its thresholds).
    pub fn alignment(&self, a: f64) -> String {
        let t = (
            self.alliance_threshold,
            self.alignment_threshold,
            self.rivalry_threshold,
        );
        alignment_text(a, t)
    }

    fn intro(&self) -> Vec<String> {
        let title = if self.title.is_empty() {
            self.scenario.clone()
        } else {
            self.title.clone()
        };
        let reference = if self.threat_form == "sum" {
            "Threat T is the weighted mean of four sources (power, proximity, offence, intent); each source's share is shown as (+x).".to_string()
        } else {
            format!(
                "Threat T multiplies four sources (Walt): relative power (1 = the strongest state), proximity (0.5 at {} km; a land border halves the distance), offence and perceived intent. Each factor (×x) compares a source with a reference, the strongest state {} km away with middling offence and intent (T = 1).",
                self.d0, self.d0
            )
        };
        let w = &self.threat_weights;
        let ignored: Vec<&str> = [
            ("power", w.power),
            ("proximity", w.proximity),
            ("offence", w.offense),
            ("intent", w.intent),
        ]
        .iter()
        .filter(|x| x.1 == 0.0)
        .map(|x| x.0)
        .collect();
        let reference = if ignored.is_empty() {
            reference
        } else {
            format!(
                "{reference} This theory ignores {} (weight 0): their factors are marked (ignored).",
                ignored.join(", ")
            )
        };
        vec![
            format!("The story of run {} of {title}", self.run),
            format!(
                "Theory {}: {}. Seed {}, run {}; {} to {} in steps of {} years.",
                self.theory,
                self.theory_summary,
                self.seed,
                self.run,
                format_year(self.start_year),
                format_year(self.end_year),
                self.dt
            ),
            format!(
                "Following {} ({}). Decisions are shown at the start, then only when a state changes its strategy or its principal threat; a summary every {} year{}.",
                self.focus.join(", "),
                self.focus_rule,
                self.every,
                if self.every == 1.0 { "" } else { "s" }
            ),
            reference,
            format!(
                "Summaries give each state's strategy, the size κ of its principal threat and that threat's perceived intent. A state is secure when its largest (camp) threat is below θ_secure = {}. Otherwise it balances (courts partners against the threat, or arms alone) or bandwagons (aligns with the threat), whichever is worth more: a partner's value V adds the power it can bring to bear against the threat (less as the coalition grows), trade dependence, affinity and a treaty, minus mistrust and the cost of commitment; every state that threatens it or its allies draws hostility in proportion. Alignment takes two: a pair moves toward what the less willing side wants, a treaty slows its fall, and an ally counts as available only if the wish is mutual. Pairs: alliance when alignment ≥ {}, aligned ≥ {}, rivalry ≤ {}.{}",
                self.theta_secure,
                self.alliance_threshold,
                self.alignment_threshold,
                self.rivalry_threshold,
                self.settle_text()
            ),
        ]
    }

    /// What the story leaves out of the pairs' changes of class (see [`Story::settle`]).
    fn settle_text(&self) -> String {
        if self.settle <= 0.0 {
            return " Every change of class is told.".into();
        }
        let plural = |k: f64| if k == 1.0 { "" } else { "s" };
        let b = self.brief_crossings;
        format!(
            " A change of class is told once it has lasted {} year{}: alignment is noisy, and a pair near a threshold crosses it back and forth ({b} crossing{} of the followed pairs reversed sooner {} left out).",
            self.settle,
            plural(self.settle),
            plural(b as f64),
            if b == 1 { "is" } else { "are" }
        )
    }

    /// The story as plain text, one entry per paragraph, each headline starting with its
    /// year in a column of 9 characters.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let intro = self.intro();
        let _ = writeln!(out, "{}", intro[0]);
        let _ = writeln!(out, "{}", "=".repeat(intro[0].chars().count().min(WIDTH)));
        for para in &intro[1..] {
            wrap(&mut out, "", 0, para);
        }
        out.push('\n');
        let pad = " ".repeat(YEAR);
        for e in &self.entries {
            let year = format!("{:<YEAR$}", format_year(e.year()));
            match e {
                Entry::Decision(d) => {
                    wrap(
                        &mut out,
                        &year,
                        YEAR + 2,
                        &format!("{}{}.", decision_headline(d), change_note(d)),
                    );
                    wrap(&mut out, &format!("{pad}  why: "), YEAR + 7, &d.why);
                    wrap(
                        &mut out,
                        &format!("{pad}  "),
                        YEAR + 4,
                        &threat_text(d, &self.threat_form, &self.threat_weights),
                    );
                    if !d.partners.is_empty() {
                        let list: Vec<String> = d.partners.iter().map(partner_text).collect();
                        wrap(
                            &mut out,
                            &format!("{pad}  {}: ", partners_label(d)),
                            YEAR + 4,
                            &list.join("; "),
                        );
                    }
                }
                Entry::Alignment(a) => {
                    let value = self.alignment(a.alignment);
                    let (pair, meaning) = (format!("{}-{}", a.a, a.b), &a.meaning);
                    let text = format!(
                        "{pair}: {} → {} (alignment {value}): {meaning}.",
                        a.from, a.to
                    );
                    wrap(&mut out, &year, YEAR + 2, &text);
                }
                Entry::Event(ev) => {
                    wrap(
                        &mut out,
                        &year,
                        YEAR + 2,
                        &format!("event: {} ({}).", ev.name, ev.effects.join("; ")),
                    );
                    if let Some(note) = &ev.note {
                        wrap(&mut out, &format!("{pad}  "), YEAR + 2, note);
                    }
                }
                Entry::Summary(x) => {
                    standing(self, &mut out, &year, &pad, "summary", &x.states, &x.pairs);
                }
                Entry::Final(x) => {
                    out.push('\n');
                    standing(self, &mut out, &year, &pad, "the end", &x.states, &x.pairs);
                    let list = |v: &[PairLine]| {
                        if v.is_empty() {
                            "none".to_string()
                        } else {
                            v.iter()
                                .map(|p| format!("{}-{} {}", p.a, p.b, self.alignment(p.alignment)))
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    };
                    wrap(
                        &mut out,
                        &format!("{pad}  alliances: "),
                        YEAR + 4,
                        &list(&x.alliances),
                    );
                    wrap(
                        &mut out,
                        &format!("{pad}  rivalries: "),
                        YEAR + 4,
                        &list(&x.rivalries),
                    );
                    wrap(
                        &mut out,
                        &format!("{pad}  camps: "),
                        YEAR + 4,
                        &format!(
                            "{{{}}} vs {{{}}}",
                            x.camps[0].join(" "),
                            x.camps[1].join(" ")
                        ),
                    );
                }
            }
        }
        out
    }

    /// The story as Markdown: a heading per year with events, decisions and changes as
    /// bullets.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let intro = self.intro();
        let _ = writeln!(out, "# {}\n", intro[0]);
        for para in &intro[1..] {
            let _ = writeln!(out, "{para}\n");
        }
        let mut current = None;
        for e in &self.entries {
            let year = format_year(e.year());
            if current.as_deref() != Some(year.as_str()) {
                let _ = writeln!(out, "\n## {year}\n");
                current = Some(year);
            }
            match e {
                Entry::Decision(d) => {
                    let _ = writeln!(out, "- **{}**{}.", decision_headline(d), change_note(d));
                    let _ = writeln!(out, "  - Why: {}.", d.why);
                    let _ = writeln!(
                        out,
                        "  - {}",
                        capitalize(&threat_text(d, &self.threat_form, &self.threat_weights))
                    );
                    for q in &d.partners {
                        let _ = writeln!(
                            out,
                            "  - {}: {}",
                            capitalize(partners_label(d)),
                            partner_text(q)
                        );
                    }
                }
                Entry::Alignment(a) => {
                    let value = self.alignment(a.alignment);
                    let (pair, meaning) = (format!("{}-{}", a.a, a.b), &a.meaning);
                    let (from, to) = (&a.from, &a.to);
                    let _ = writeln!(
                        out,
                        "- **{pair}**: {from} → {to} (alignment {value}): {meaning}."
                    );
                }
                Entry::Event(ev) => {
                    let _ = writeln!(
                        out,
                        "- **Event: {}** ({}).{}",
                        ev.name,
                        ev.effects.join("; "),
                        ev.note.as_ref().map_or(String::new(), |n| format!(" {n}"))
                    );
                }
                Entry::Summary(x) => {
                    let _ = writeln!(out, "- Summary: {}.", states_text(&x.states));
                    if !x.pairs.is_empty() {
                        let _ = writeln!(out, "  - Alignments: {}.", pairs_text(self, &x.pairs));
                    }
                }
                Entry::Final(x) => {
                    let _ = writeln!(out, "- **The end**: {}.", states_text(&x.states));
                    if !x.pairs.is_empty() {
                        let _ = writeln!(out, "  - Alignments: {}.", pairs_text(self, &x.pairs));
                    }
                    let list = |v: &[PairLine]| {
                        if v.is_empty() {
                            "none".to_string()
                        } else {
                            pairs_text(self, v)
                        }
                    };
                    let _ = writeln!(out, "  - Alliances: {}.", list(&x.alliances));
                    let _ = writeln!(out, "  - Rivalries: {}.", list(&x.rivalries));
                    let _ = writeln!(
                        out,
                        "  - Camps: {{{}}} vs {{{}}}.",
                        x.camps[0].join(" "),
                        x.camps[1].join(" ")
                    );
                }
            }
        }
        out
    }

    /// The story as pretty-printed JSON (the fields of [`Story`], entries tagged by `kind`).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| {
            // Serializing plain data cannot fail; keep the library panic-free anyway.
            format!("{{\"error\": \"{e}\"}}")
        });
        s.push('\n');
        s
    }
}

/// Where the focused states stand (`label: …`), then their pairs' alignments.
fn standing(
    story: &Story,
    out: &mut String,
    year: &str,
    pad: &str,
    label: &str,
    states: &[StateLine],
    pairs: &[PairLine],
) {
    wrap(
        out,
        year,
        YEAR + 2,
        &format!("{label}: {}.", states_text(states)),
    );
    if !pairs.is_empty() {
        wrap(
            out,
            &format!("{pad}  alignments: "),
            YEAR + 4,
            &pairs_text(story, pairs),
        );
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two decimals unless they would print a number of another class than the value's:
    /// then as many more as it takes (hand-checked against the thresholds 0.6, 0.2, −0.2).
    #[test]
    fn alignments_print_in_their_own_class() {
        let t = (0.6, 0.2, -0.2);
        for (a, want) in [
            (0.62, "+0.62"),
            (-0.2, "-0.20"),
            (-0.2004, "-0.20"),
            (-0.1996, "-0.1996"),
            (-0.19996, "-0.19996"),
            (-0.199, "-0.199"),
            (0.5996, "+0.5996"),
            (0.6, "+0.60"),
            (0.19999, "+0.19999"),
            (1.0, "+1.00"),
            (-1.0, "-1.00"),
            (0.0, "+0.00"),
        ] {
            assert_eq!(alignment_text(a, t), want, "{a}");
        }
        // Closer to a threshold than six decimals show (the single-precision number next to
        // −0.2, as the story receives it): every digit Rust prints.
        let close = crate::model::world::tidy((-0.2f32).next_up());
        assert_eq!(alignment_text(close, t), format!("{close:+}"));
    }
}
