//! Developer tool: prints the claim-line tables the layout stage finds in a document (columns
//! with their roles and extents, rows cut by column): `cargo run --example tables FILE`.
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let doc = overturn::ingest::load(&overturn::Input::Path(path.into())).unwrap();
    let t = overturn::text::extract(&doc).unwrap();
    let rules = overturn::rules::Rules::bundled().unwrap();
    let l = overturn::layout::analyze(&t, rules);
    for tb in &l.tables {
        println!("--- page {} header {}", tb.page, tb.header_line);
        for c in &tb.columns {
            println!("  {:?} {:?} {:.0}-{:.0}", c.role, c.label, c.x0, c.x1);
        }
        for r in &tb.rows {
            println!("  row {} total={} {:?}", r.line, r.total, r.cells);
        }
    }
}
