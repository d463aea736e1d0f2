//! Calendar: [`Report`]s in, an RFC 5545 iCalendar (.ics) text out, with one all-day event per
//! dated next step (the appeal deadline first of all) and reminders 14, 7 and 1 day before.
//! Importable into common calendar apps; events carry no health details beyond the claim.
// Byte-index slicing of text panics off a character boundary: each slice here is proven
// on one (an `allow` with the reason) or made with `get`.
#![deny(clippy::string_slice)]

use icalendar::{Alarm, Calendar, Component, Event, EventLike, Trigger};

use crate::report::Report;

/// Days before a deadline at which a reminder fires.
pub const REMINDER_DAYS: [i64; 3] = [14, 7, 1];

/// The calendar of every dated step of the reports. `stamp` is the creation time written to
/// each event (`DTSTAMP`), as seconds since the Unix epoch.
pub fn ics(reports: &[Report], stamp: i64) -> String {
    let stamp = chrono::DateTime::from_timestamp(stamp, 0).unwrap_or_default();
    let mut cal = Calendar::new();
    cal.name("overturn appeal deadlines");
    for r in reports {
        let who = r.payer.name.clone().unwrap_or_else(|| "health plan".into());
        let claim = r
            .claim
            .claim_number
            .clone()
            .map(|c| format!(" claim {c}"))
            .or_else(|| {
                r.claim
                    .reference_number
                    .clone()
                    .map(|c| format!(" ref. {c}"))
            })
            .unwrap_or_default();
        for (i, step) in r.next_steps.iter().enumerate() {
            let Some(due) = step
                .due
                .as_deref()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            else {
                continue;
            };
            let action = serde_json::to_value(step.action)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let title = format!("Last day: {} ({who}{claim})", action.replace('_', " "));
            let mut description = format!("{}\n\nDocument: {}", step.why, r.source.path);
            if let Some(rule) = &step.rule {
                description.push_str(&format!("\nRule: {rule}"));
            }
            let mut event = Event::new();
            event
                .uid(&format!(
                    "{}-{i}-{action}@overturn",
                    r.source.sha256.chars().take(16).collect::<String>()
                ))
                .timestamp(stamp)
                .summary(&title)
                .description(&description)
                .all_day(due);
            for days in REMINDER_DAYS {
                event.alarm(Alarm::display(
                    &format!("{title}: {days} day(s) left"),
                    Trigger::before_start(chrono::Duration::days(days)),
                ));
            }
            cal.push(event.done());
        }
    }
    cal.done().to_string()
}
