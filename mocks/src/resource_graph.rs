//! Azure Resource Graph: `POST /providers/Microsoft.ResourceGraph/resources`
//! (api-version 2024-04-01, `QueryRequest` -> `QueryResponse` in the
//! vendored spec), answering the small KQL subset azaudit sends, not KQL:
//!
//! ```text
//! resources [| where COL (=~|==) 'V' [and ...]] [| where COL in~ ('a', 'b')]
//!           [| project COL, COL, ...] [| order by COL [asc|desc]]
//! ```
//!
//! Anything else is a 400 `InvalidQuery`, so a query azaudit changes
//! without the mock fails loudly. As the real service: rows are objects
//! (`resultFormat: objectArray`), `type` and `resourceGroup` come lower-cased,
//! an unset `managedBy` is `""`, another projected column an object lacks is
//! `null`, `$top` is at most 1,000
//! (default 100), `$skipToken` pages must repeat the same query and scope,
//! `resultTruncated` is the string `"false"`, and each caller has a quota
//! per window reported in `x-ms-user-quota-remaining` and
//! `x-ms-user-quota-resets-after` (`hh:mm:ss`), with a 429 `RateLimiting`
//! beyond it.

use crate::app::{Answer, App, json_response};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::time::Duration;

pub fn owns(method: &str, path: &str) -> bool {
    method == "POST" && path.trim_end_matches('/').eq_ignore_ascii_case("/providers/Microsoft.ResourceGraph/resources")
}

fn hms(d: Duration) -> String {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

pub async fn handle(app: &App, path: &str, query: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    let caller = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (left, resets) = match app.take_graph_query(&caller) {
        Ok(q) => q,
        Err(resets) => {
            app.record("POST", path, query, None, 429, Some("resource-graph-quota".into()));
            let body = json!({"error": {"code": "RateLimiting", "message": "Please provide below info when asking for support: timestamp = 2026-11-28T12:00:00Z, correlationId = 00000000-0000-0000-0000-000000000000.",
                "details": [{"code": "RateLimiting", "message": "Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help."}]}});
            return json_response(
                429,
                &body,
                &[("x-ms-user-quota-remaining", "0".into()), ("x-ms-user-quota-resets-after", hms(resets))],
            );
        }
    };
    if app.scenario.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(app.scenario.latency_ms)).await;
    }
    let mut quota = vec![("x-ms-user-quota-resets-after", hms(resets))];
    if left != u32::MAX {
        quota.push(("x-ms-user-quota-remaining", left.to_string()));
    }
    let (answer, extra) = answer(app, body);
    quota.extend(extra);
    let status = answer.status.as_u16();
    app.record("POST", path, query, None, status, None);
    json_response(status, &answer.body, &quota)
}

fn bad(code: &str, message: impl Into<String>) -> (Answer, Vec<(&'static str, String)>) {
    let message = message.into();
    let mut a = Answer::error(400, "BadRequest", "Please provide below info when asking for support.");
    a.body["error"]["details"] = json!([{ "code": code, "message": message }]);
    (a, Vec::new())
}

fn answer(app: &App, body: &[u8]) -> (Answer, Vec<(&'static str, String)>) {
    let req: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return bad("InvalidRequestContent", format!("the body is not JSON: {e}")),
    };
    let Some(text) = req.get("query").and_then(Value::as_str) else {
        return bad("InvalidRequestContent", "the query is required");
    };
    let q = match parse(text) {
        Ok(q) => q,
        Err(e) => return bad("InvalidQuery", e),
    };
    let options = req.get("options").cloned().unwrap_or(Value::Null);
    let top = match options.get("$top") {
        None | Some(Value::Null) => 100,
        Some(v) => match v.as_u64() {
            Some(n @ 1..=1000) => n as usize,
            _ => return bad("InvalidRequestContent", format!("$top must be 1 to 1000, not {v}")),
        },
    };
    // The scope: the subscriptions given, those under the management
    // groups given, or every one.
    let mut scope: Vec<String> = match (req.get("subscriptions"), req.get("managementGroups")) {
        (Some(Value::Array(s)), _) => s.iter().filter_map(Value::as_str).map(str::to_ascii_lowercase).collect(),
        (_, Some(Value::Array(g))) => {
            let groups: Vec<&str> = g.iter().filter_map(Value::as_str).collect();
            crate::tenant::subscriptions_under(app, &groups)
        }
        _ => app.scenario.subscriptions.iter().map(|s| s.id.to_ascii_lowercase()).collect(),
    };
    let mut extra = Vec::new();
    if let Some(limit) = app.scenario.resource_graph.subscription_limit
        && scope.len() > limit
    {
        scope.truncate(limit);
        extra.push(("x-ms-tenant-subscription-limit-hit", "true".to_string()));
    }
    // A query for a type the service does not hold answers 422.
    if let Some(t) = q.type_filter()
        && app.scenario.resource_graph.unsupported_types.iter().any(|u| u.eq_ignore_ascii_case(&t))
    {
        let a = Answer::error(422, "UnsupportedResourceType", format!("Resource type '{t}' is not supported."));
        return (a, extra);
    }
    let index = app.graph_index.as_ref().unwrap_or(&app.index);
    let mut rows: Vec<Value> = Vec::new();
    // The caller sees no row of a subscription it cannot read, and no error.
    let hidden = &app.scenario.resource_graph.unreadable_subscriptions;
    scope.retain(|s| !hidden.iter().any(|h| h.eq_ignore_ascii_case(s)));
    if q.containers {
        for sub in &scope {
            let row: Map<String, Value> = [
                ("id".to_string(), Value::String(format!("/subscriptions/{sub}"))),
                ("type".to_string(), Value::String("microsoft.resources/subscriptions".into())),
                ("subscriptionId".to_string(), Value::String(sub.clone())),
                ("name".to_string(), Value::String(sub.clone())),
            ]
            .into_iter()
            .collect();
            if q.filters.iter().all(|f| f.matches(&row)) {
                rows.push(q.project(row));
            }
        }
    }
    for sub in scope.iter().filter(|_| !q.containers) {
        for ty in index.types_of(sub) {
            if !q.type_may_be(&ty) {
                continue;
            }
            for r in index.items(sub, &ty, None) {
                let row = columns(r);
                if q.filters.iter().all(|f| f.matches(&row)) {
                    rows.push(q.project(row));
                }
            }
        }
    }
    // Stable pages: by `id`, or the column asked for.
    let col = q.order.as_ref().map(|(c, _)| c.clone()).unwrap_or_else(|| "id".into());
    rows.sort_by_cached_key(|v| v.get(&col).and_then(Value::as_str).unwrap_or("").to_ascii_lowercase());
    if matches!(q.order, Some((_, true))) {
        rows.reverse();
    }
    let fingerprint = fingerprint(text, &scope);
    let offset = match options.get("$skipToken").and_then(Value::as_str) {
        None => 0,
        Some(t) => match t.strip_prefix("mockarg").and_then(|t| t.split_once('.')) {
            Some((o, f)) if f == fingerprint => o.parse::<usize>().unwrap_or(0),
            _ => return bad("InvalidSkipToken", "the $skipToken does not belong to this query and scope"),
        },
    };
    let total = rows.len();
    let end = (offset + top).min(total);
    let data: Vec<Value> = rows.get(offset.min(total)..end).map(<[Value]>::to_vec).unwrap_or_default();
    let mut out = json!({
        "totalRecords": total,
        "count": data.len(),
        "data": data,
        "facets": [],
        "resultTruncated": "false",
    });
    if end < total && q.projects_id() {
        out["$skipToken"] = Value::String(format!("mockarg{end}.{fingerprint}"));
    }
    (Answer::ok(out), extra)
}

fn fingerprint(query: &str, scope: &[String]) -> String {
    // FNV-1a: stable across runs, enough to tell queries apart.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in query.bytes().chain(scope.join(",").bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A resource as Resource Graph's `resources` table has it.
fn columns(r: &Value) -> Map<String, Value> {
    let mut m = match r {
        Value::Object(o) => o.clone(),
        _ => Map::new(),
    };
    let id = m.get("id").and_then(Value::as_str).unwrap_or("").to_string();
    if let Some(Value::String(t)) = m.get_mut("type") {
        *t = t.to_ascii_lowercase();
    }
    // Resource Graph's `managedBy` is a string column: "" when unset.
    m.entry("managedBy").or_insert_with(|| Value::String(String::new()));
    if let Some((sub, rg, _)) = crate::index::classify(&id) {
        m.insert("subscriptionId".into(), Value::String(sub));
        m.insert("resourceGroup".into(), rg.map(Value::String).unwrap_or(Value::Null));
    }
    m
}

#[derive(Debug)]
enum Filter {
    /// `col =~ 'v'` (any case) or `col == 'v'`.
    Is { col: String, value: String, any_case: bool },
    /// `col in~ ('a', 'b')` or `col in (...)`.
    In { col: String, values: Vec<String>, any_case: bool },
}

impl Filter {
    fn matches(&self, row: &Map<String, Value>) -> bool {
        let eq = |a: &str, b: &str, any: bool| if any { a.eq_ignore_ascii_case(b) } else { a == b };
        match self {
            Filter::Is { col, value, any_case } => {
                row.get(col).and_then(Value::as_str).is_some_and(|v| eq(v, value, *any_case))
            }
            Filter::In { col, values, any_case } => {
                row.get(col).and_then(Value::as_str).is_some_and(|v| values.iter().any(|x| eq(v, x, *any_case)))
            }
        }
    }
}

#[derive(Debug, Default)]
struct Query {
    /// `resourcecontainers`: the subscriptions (the mock holds no other
    /// containers), as the caller can read them.
    containers: bool,
    filters: Vec<Filter>,
    project: Option<Vec<String>>,
    /// Column, descending.
    order: Option<(String, bool)>,
}

impl Query {
    fn type_filter(&self) -> Option<String> {
        self.filters.iter().find_map(|f| match f {
            Filter::Is { col, value, .. } if col == "type" => Some(value.clone()),
            _ => None,
        })
    }
    fn type_may_be(&self, ty: &str) -> bool {
        self.type_filter().is_none_or(|t| t.eq_ignore_ascii_case(ty))
    }
    fn projects_id(&self) -> bool {
        self.project.as_ref().is_none_or(|p| p.iter().any(|c| c == "id"))
    }
    fn project(&self, row: Map<String, Value>) -> Value {
        match &self.project {
            None => Value::Object(row),
            Some(cols) => {
                let mut m = row;
                Value::Object(cols.iter().map(|c| (c.clone(), m.remove(c).unwrap_or(Value::Null))).collect())
            }
        }
    }
}

/// Split on `|` and `,` outside single-quoted strings.
fn split_outside_quotes(s: &str, sep: char) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in s.chars() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == sep && !quoted {
            out.push(String::new());
        } else if let Some(last) = out.last_mut() {
            last.push(c);
        }
    }
    out.into_iter().map(|p| p.trim().to_string()).collect()
}

fn literal(s: &str) -> Result<String, String> {
    let t = s.trim();
    t.strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .filter(|v| !v.contains('\''))
        .map(str::to_string)
        .ok_or_else(|| format!("expected a single-quoted string, found `{t}`"))
}

fn column(s: &str) -> Result<String, String> {
    let t = s.trim();
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(t.to_string())
    } else {
        Err(format!("expected a column name, found `{t}`"))
    }
}

fn parse(text: &str) -> Result<Query, String> {
    let mut parts = split_outside_quotes(text, '|').into_iter();
    let table = parts.next().unwrap_or_default();
    let containers = table.eq_ignore_ascii_case("resourcecontainers");
    if !table.eq_ignore_ascii_case("resources") && !containers {
        return Err(format!("the mock serves the `resources` and `resourcecontainers` tables only, not `{table}`"));
    }
    let mut q = Query { containers, ..Default::default() };
    for op in parts {
        if let Some(rest) = op.strip_prefix("where ") {
            for cond in rest.split(" and ") {
                q.filters.push(condition(cond)?);
            }
        } else if let Some(rest) = op.strip_prefix("project ") {
            q.project = Some(split_outside_quotes(rest, ',').iter().map(|c| column(c)).collect::<Result<_, _>>()?);
        } else if let Some(rest) = op.strip_prefix("order by ") {
            let mut w = rest.split_whitespace();
            let col = column(w.next().unwrap_or(""))?;
            let desc = match w.next() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(x) => return Err(format!("unknown sort order `{x}`")),
            };
            q.order = Some((col, desc));
        } else {
            return Err(format!("the mock does not know the operator in `{op}`"));
        }
    }
    Ok(q)
}

fn condition(cond: &str) -> Result<Filter, String> {
    let c = cond.trim();
    for (op, any_case) in [("=~", true), ("==", false)] {
        if let Some((l, r)) = c.split_once(&format!(" {op} ")) {
            return Ok(Filter::Is { col: column(l)?, value: literal(r)?, any_case });
        }
    }
    for (op, any_case) in [("in~", true), ("in", false)] {
        if let Some((l, r)) = c.split_once(&format!(" {op} ")) {
            let inner = r.trim().strip_prefix('(').and_then(|r| r.strip_suffix(')')).ok_or("expected ( ... )")?;
            let values = split_outside_quotes(inner, ',').iter().map(|v| literal(v)).collect::<Result<_, _>>()?;
            return Ok(Filter::In { col: column(l)?, values, any_case });
        }
    }
    Err(format!("the mock does not know the condition `{c}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subset_azaudit_sends_parses_and_anything_else_is_refused() {
        let q = parse("resources | where type =~ 'microsoft.network/publicipaddresses' | where resourceGroup in~ ('mc_rg', 'rg2') | project id, name, properties").unwrap();
        assert_eq!(q.filters.len(), 2);
        assert_eq!(q.project.as_ref().unwrap(), &["id", "name", "properties"]);
        assert_eq!(q.type_filter().as_deref(), Some("microsoft.network/publicipaddresses"));
        for bad in [
            "securityresources",
            "resources | summarize count() by type",
            "resources | where type contains 'network'",
            "resources | project id, tostring(properties.ipAddress)",
            "resources | where name =~ unquoted",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rows_match_filters_in_either_case_and_project_nulls() {
        let q = parse("resources | where type =~ 'Microsoft.Compute/disks' and resourceGroup in~ ('MC_RG') | project id, managedBy, sku").unwrap();
        let row = columns(
            &json!({"id": "/subscriptions/s/resourceGroups/mc_rg/providers/Microsoft.Compute/disks/d1", "type": "Microsoft.Compute/disks"}),
        );
        assert!(q.filters.iter().all(|f| f.matches(&row)));
        assert_eq!(
            q.project(row),
            json!({"id": "/subscriptions/s/resourceGroups/mc_rg/providers/Microsoft.Compute/disks/d1", "managedBy": "", "sku": null})
        );
    }

    #[test]
    fn quota_windows_are_reported_as_hms() {
        assert_eq!(hms(Duration::from_millis(4200)), "00:00:05");
        assert_eq!(hms(Duration::from_secs(3725)), "01:02:05");
    }
}
