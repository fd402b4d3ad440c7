//! The report as Markdown for an auditor's file: the JSON sections in the
//! same order, as tables. Every value from the ledger is escaped, so a
//! process name cannot break a table, open HTML or forge a link.

mod text;

use super::report::{KindSummary, MaturityReport, ProcessSummary};
use text::{
    cell, coverage_inline, distinct_inline, incomplete, level_table, line, names_inline, opt, row,
    section, shown_of, sub, table_head, trend, with_lines,
};

impl MaturityReport {
    /// Render the report as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let md = &mut out;
        line(md, "# Process maturity report");
        line(md, "");
        line(
            md,
            "Capability levels per ISO/IEC 33020. Only verified descriptors are counted.",
        );
        self.scope_md(md);
        self.distribution_md(md);
        self.processes_md(md);
        self.evidence_md(md);
        self.inconsistencies_md(md);
        out
    }

    fn scope_md(&self, md: &mut String) {
        let s = &self.scope;
        let r = &s.records;
        section(md, "1. Scope");
        table_head(md, &["item", "value"]);
        row(md, &["data set".into(), cell(&s.dataset.path)]);
        row(md, &["SHA-256".into(), cell(&s.dataset.sha256)]);
        row(md, &["records read".into(), r.read.to_string()]);
        row(md, &["verified (counted)".into(), r.verified.to_string()]);
        row(md, &["excluded".into(), r.excluded.to_string()]);
        row(md, &["not analysed".into(), r.not_analysed.to_string()]);
        let stamp = |st: &Option<super::Stamp>| {
            st.as_ref().map_or("—".to_owned(), |st| {
                format!("{} (line {})", cell(&st.assessed_at), st.line)
            })
        };
        row(md, &["first assessment".into(), stamp(&s.period.first)]);
        row(md, &["last assessment".into(), stamp(&s.period.last)]);
        row(
            md,
            &[
                "invalid `assessed_at`".into(),
                with_lines(s.period.invalid_timestamps, &s.period.invalid_lines),
            ],
        );
        row(md, &["processes".into(), distinct_inline(&s.processes)]);
        row(md, &["assessors".into(), distinct_inline(&s.assessors)]);
        row(md, &["methods".into(), distinct_inline(&s.methods)]);
        line(md, "");
        let note = if s.field_protection.unprotected.is_empty() {
            "**Integrity note.** Each record's hash covers every byte of it (native format), so \
             every field the figures below rest on is protected."
                .to_owned()
        } else {
            format!(
                "**Integrity note.** The legacy descriptor hash covers only {}. The figures below \
                 also rest on {}, which can be edited without breaking the chain.",
                s.field_protection.protected.join(", "),
                s.field_protection.unprotected.join(", ")
            )
        };
        line(md, &note);
        if s.dataset.not_descriptors > 0 {
            line(md, "");
            line(
                md,
                &format!(
                    "**Not descriptors.** {} record(s) hold a body that is not a SPICE descriptor \
                     and are not analysed:",
                    s.dataset.not_descriptors
                ),
            );
            for e in &s.dataset.first_not_descriptors {
                line(md, &format!("- line {}: {}", e.line, cell(&e.reason)));
            }
        }
        if r.excluded > 0 {
            sub(md, "Excluded records");
            table_head(md, &["reason kind", "records"]);
            for n in &s.exclusions.by_kind.items {
                row(md, &[cell(&n.name), n.count.to_string()]);
            }
            line(md, "");
            shown_of(md, s.exclusions.first.len(), r.excluded);
            table_head(md, &["line", "reason"]);
            for e in &s.exclusions.first {
                row(md, &[e.line.to_string(), cell(&e.reason)]);
            }
        }
    }

    fn distribution_md(&self, md: &mut String) {
        let d = &self.distribution;
        section(md, "2. Capability level distribution");
        line(
            md,
            &format!(
                "{} verified descriptors; average claimed level {}; {} with a level outside 0-5.",
                d.verified,
                opt(d.average_level, 2),
                d.out_of_range
            ),
        );
        line(md, "");
        level_table(md, &d.levels, "descriptors");
        sub(md, "By outcome");
        table_head(md, &["outcome", "descriptors", "%", "average level"]);
        for o in &d.outcomes {
            row(
                md,
                &[
                    o.outcome.into(),
                    o.count.to_string(),
                    format!("{:.1}", o.percent),
                    opt(o.average_level, 2),
                ],
            );
        }
        sub(md, "Processes by latest level");
        level_table(md, &d.processes_by_latest_level, "processes");
    }

    fn processes_md(&self, md: &mut String) {
        let p = &self.processes;
        section(md, "3. Processes");
        if !p.complete {
            line(
                md,
                &format!(
                    "Only the first {} processes are tracked; {} verified descriptors of \
                     further processes count in the totals only.",
                    self.limits.max_processes, p.untracked_records
                ),
            );
            line(md, "");
        }
        table_head(
            md,
            &[
                "process",
                "assessments",
                "latest level",
                "latest assessed",
                "mean score",
                "C / NC / P / NA / other",
                "trend (oldest → latest)",
            ],
        );
        for s in &p.items {
            let o = &s.outcomes;
            row(
                md,
                &[
                    cell(&s.process),
                    s.assessments.to_string(),
                    s.latest
                        .as_ref()
                        .map_or("—".into(), |a| a.level.to_string()),
                    s.latest.as_ref().map_or("—".into(), |a| {
                        format!("{} (line {})", cell(&a.assessed_at), a.line)
                    }),
                    opt(s.mean_compliance_score, 2),
                    format!(
                        "{} / {} / {} / {} / {}",
                        o.compliant, o.non_compliant, o.partial, o.not_assessed, o.other
                    ),
                    trend(&s.trend),
                ],
            );
        }
        attribute_matrix(md, &p.items);
    }

    fn evidence_md(&self, md: &mut String) {
        let e = &self.evidence;
        section(md, "4. Evidence coverage");
        line(
            md,
            &format!(
                "Overall {}. {} descriptors require no evidence. An item counts as provided \
                 only where the same descriptor requires it.",
                coverage_inline(&e.overall),
                e.records_without_required
            ),
        );
        line(md, "");
        table_head(
            md,
            &["process", "required", "provided", "%", "most often missing"],
        );
        for p in &self.processes.items {
            let c = &p.evidence;
            row(
                md,
                &[
                    cell(&p.process),
                    c.required.to_string(),
                    c.provided.to_string(),
                    opt(c.percent, 1),
                    names_inline(&c.missing, 3),
                ],
            );
        }
        sub(md, "Missing items");
        table_head(md, &["item", "missing in", "required by", "% missing"]);
        for n in &e.overall.missing.items {
            let req = e
                .required_items
                .items
                .iter()
                .find(|r| r.name == n.name)
                .map_or(0, |r| r.count);
            let share = (req > 0).then(|| n.count as f64 * 100.0 / req as f64);
            row(
                md,
                &[
                    cell(&n.name),
                    n.count.to_string(),
                    req.to_string(),
                    opt(share, 1),
                ],
            );
        }
        incomplete(md, &e.overall.missing);
        if !e.provided_not_required.is_empty() {
            sub(md, "Provided but not required");
            table_head(md, &["item", "descriptors", "required elsewhere"]);
            for u in &e.provided_not_required {
                let elsewhere = if u.required_elsewhere {
                    "yes"
                } else {
                    "never required"
                };
                row(md, &[cell(&u.item), u.count.to_string(), elsewhere.into()]);
            }
        }
    }

    fn inconsistencies_md(&self, md: &mut String) {
        let i = &self.inconsistencies;
        section(md, "5. Inconsistencies");
        line(md, &format!("{} found.", i.total));
        line(md, "");
        table_head(md, &["kind", "count", "rule"]);
        for k in &i.kinds {
            row(
                md,
                &[
                    format!("`{}`", k.kind.name()),
                    k.count.to_string(),
                    k.rule.into(),
                ],
            );
        }
        for k in i.kinds.iter().filter(|k| k.count > 0) {
            kind_md(md, k);
        }
    }
}

fn kind_md(md: &mut String, k: &KindSummary) {
    sub(md, &format!("`{}`", k.kind.name()));
    shown_of(md, k.shown.len(), k.count);
    table_head(md, &["line", "descriptor", "process", "expected", "found"]);
    for f in &k.shown {
        row(
            md,
            &[
                f.line.to_string(),
                cell(&f.descriptor_id),
                cell(&f.process),
                cell(&f.expected),
                cell(&f.found),
            ],
        );
    }
}

fn attribute_matrix(md: &mut String, items: &[ProcessSummary]) {
    let rated: Vec<_> = items
        .iter()
        .filter_map(|p| p.attributes.as_ref().map(|a| (p, a)))
        .collect();
    if rated.is_empty() {
        return;
    }
    sub(md, "Attribute ratings (latest rated assessment)");
    let mut head = vec!["process", "line"];
    head.extend(super::ATTRIBUTES);
    head.extend(["derived", "claimed", "next level blocked by"]);
    table_head(md, &head);
    for (p, a) in rated {
        let mut r = vec![cell(&p.process), a.line.to_string()];
        r.extend(
            a.ratings
                .values()
                .map(|v| v.map_or("—".into(), |x| x.to_string())),
        );
        let blocked: Vec<String> = a
            .derived
            .blocked_by
            .iter()
            .map(ToString::to_string)
            .collect();
        r.extend([
            a.derived.level.to_string(),
            a.claimed_level.to_string(),
            cell(&blocked.join("; ")),
        ]);
        row(md, &r);
    }
}
