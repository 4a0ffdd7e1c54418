// scratch: print desires and threats of chosen pairs at chosen steps of run 0
use entente::model::{Observer, World};
use entente::scenario;
struct O {
    ids: Vec<String>,
    pairs: Vec<(usize, usize)>,
}
impl Observer for O {
    fn observe(&mut self, step: usize, year: f64, w: &World) {
        if step % 8 != 0 {
            return;
        }
        let n = w.n;
        for &(i, k) in &self.pairs {
            println!(
                "{year} {}-{}: a={:+.2} D_ik={:+.2} D_ki={:+.2} V_ik={:+.2} V_ki={:+.2} T_ik={:.2} T_ki={:.2} K_ik={:.2} K_ki={:.2} I_ki={:.2} I_ik={:.2}",
                self.ids[i],
                self.ids[k],
                w.alignment[i * n + k],
                w.desire[i * n + k],
                w.desire[k * n + i],
                w.partner_value[i * n + k],
                w.partner_value[k * n + i],
                w.threat[i * n + k],
                w.threat[k * n + i],
                w.camp_threat[i * n + k],
                w.camp_threat[k * n + i],
                w.intent[k * n + i],
                w.intent[i * n + k]
            );
        }
    }
}
fn main() {
    let s = scenario::load_or_flagship(None).unwrap();
    let ids: Vec<String> = s.states.iter().map(|x| x.id.clone()).collect();
    let idx = |x: &str| ids.iter().position(|y| y == x).unwrap();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pairs = args
        .iter()
        .map(|p| {
            let (a, b) = p.split_once('-').unwrap();
            (idx(a), idx(b))
        })
        .collect();
    let p = s.params.clone();
    let mut sim = entente::model::Simulator::new(&s, &p);
    let mut o = O { ids, pairs };
    sim.run(0, s.seed, &mut o);
}
