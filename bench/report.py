"""Render bench/results.json as bench/RESULTS.md (called by ``bench.run``; ``python -m bench.report`` re-renders)."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _f(value, digits=1, unit=""):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    return f"{value:,}{unit}"


def _mmm(s, digits=1, unit=""):
    """median (min–max) of a stats dict."""
    if not s:
        return "n/a"
    return f"{_f(s['median'], digits, unit)} ({_f(s['min'], digits)}–{_f(s['max'], digits)})"


def _met(ok):
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


def render(r: dict, findings: str = "") -> str:
    m = r.get("machine", {})
    sec = r.get("sections", {})
    out = []
    add = out.append
    add("# Benchmark results\n")
    add(
        "Written by `make bench` (`bench/run.py`; raw numbers in `bench/results.json`). Every ratio compares two "
        "measurements taken in the same run on the same machine; each closed-loop figure is the median of the "
        "runs with (min–max) beside it.\n"
    )
    add("## Machine and run\n")
    add("| | |\n|---|---|")
    add(f"| date | {m.get('date')} |")
    add(f"| cores / memory | {m.get('cores')} cores ({m.get('cpu')}), {m.get('memory_gb')} GB |")
    add(
        f"| software | Python {m.get('python')}, PostgreSQL {m.get('postgres')} (shared_buffers {m.get('shared_buffers')}; a one-row commit takes {_f(m.get('commit_ms'))} ms) |"
    )
    add(f"| command | `{r.get('command')}` (scale **{r.get('scale')}**: `{json.dumps(r.get('params'))}`) |")
    add(
        f"| code | commit {m.get('commit')}, plus {m.get('uncommitted_files')} uncommitted paths in the shared work tree |"
    )
    la0, la1 = m.get("loadavg_start") or [None], m.get("loadavg_end") or [None]
    add(f"| load average | {_f(la0[0], 2)} at the start, {_f(la1[0], 2)} at the end |")
    foreign = (m.get("foreign_processes_start") or []) + (m.get("foreign_processes_end") or [])
    add(f"| other processes busy | {'; '.join(foreign) if foreign else 'none seen at start or end'} |")
    add(f"| wall time | {_f((r.get('wall_seconds') or 0) / 60, 1)} min |")
    for rerun in r.get("reruns", []):
        add(
            f"| re-measured | {', '.join(rerun['sections'])} on {rerun['date']} (load {_f(rerun['loadavg'][0], 2)}): "
            f"`{rerun['command']}` |"
        )
    add("")

    add("## Targets\n")
    add("| # | target | measured | verdict |\n|---|---|---|---|")
    il = sec.get("intake_lookup", {}).get("summary", {})
    if il:
        ratio = il["ratio_signup_insert"]
        add(
            f"| 1 | sign-up API throughput >= 0.5 x bare insert view | {_mmm(ratio, 2)} "
            f"({_mmm(il['signup']['rps'], 0)} vs {_mmm(il['insert']['rps'], 0)} req/s) | {_met(ratio['median'] >= 0.5)} |"
        )
        p99 = il["signup"]["p99_ms"]
        add(f"| 1 | sign-up p99 < 100 ms at 32 clients | {_mmm(p99, 1, ' ms')} | {_met(p99['median'] < 100)} |")
        e5 = sum(int(x["errors_5xx"]["max"] or 0) for x in (il["signup"], il["form"]))
        add(f"| 1 | no 5xx (API and form) | {e5} 5xx in the worst run | {_met(e5 == 0)} |")
        fr = il["ratio_form_insert"]
        add(
            f"| 1 | (form /run/ with CSRF, reported) | {_mmm(fr, 2)} x insert, p99 {_mmm(il['form']['p99_ms'], 1, ' ms')} "
            f"at 32 clients | info |"
        )
        lr = il["ratio_lookup_hello"]
        add(
            f"| 2 | lookup throughput >= 0.4 x bare hello view | {_mmm(lr, 2)} "
            f"({_mmm(il['lookup']['rps'], 0)} vs {_mmm(il['hello']['rps'], 0)} req/s) | {_met(lr['median'] >= 0.4)} |"
        )
        lp = il["lookup_c4"]["p99_ms"]
        add(
            f"| 2 | lookup p99 < 20 ms | {_mmm(lp, 1, ' ms')} at 4 clients; {_mmm(il['lookup']['p99_ms'], 1, ' ms')} "
            f"at 32 (saturated) | {_met(lp['median'] < 20)} (4 clients) |"
        )
    rd = sec.get("redistricting", {})
    if rd.get("times"):
        rc, rn = rd.get("ratio_current"), rd.get("ratio_current_cd_only")
        add(
            f"| 3 | reassign_districts >= 0.5 x raw PostGIS join ({_f(rd['signups'])} sign-ups) | every row "
            f"changed {_mmm(rc, 2)}; new congressional map {_mmm(rn, 2)} | {_met(rc and rc['median'] >= 0.5)} "
            f"(every row), {_met(rn and rn['median'] >= 0.5)} (new CD map) |"
        )
    rl15 = sec.get("redistricting_local", {})
    if rl15.get("times"):
        rc = rl15.get("ratio_current")
        add(
            f"| 15 | reassign_districts with local layers ({', '.join(rl15.get('layers', []))}) >= 0.5 x raw "
            f"PostGIS join ({_f(rl15['signups'])} sign-ups) | every row changed {_mmm(rc, 2)} | "
            f"{_met(rc and rc['median'] >= 0.5)} |"
        )
    db = sec.get("dashboard", {})
    if db.get("big"):
        urls = db["big"]["urls"]
        small = db.get("small", {}).get("urls", {})
        avail = {n: u for n, u in urls.items() if u.get("available") and u.get("p95_uncached_ms") is not None}
        if not avail:
            add("| 4 | dashboard | not available yet | n/a |")
        else:
            tiles = {n: u for n, u in avail.items() if n.startswith("tile")}
            pages = {n: u for n, u in avail.items() if n not in tiles}
            same = all(u.get("queries_uncached") == small.get(n, {}).get("queries_uncached") for n, u in avail.items())
            unc = sum(u["p95_uncached_ms"] < 100 for u in pages.values())
            cac = sum(u["p95_cached_ms"] < 10 for u in avail.values())
            til = sum(u["p95_uncached_ms"] < 150 for u in tiles.values())
            add(
                f"| 4 | dashboard ({db['big']['signups']:,} sign-ups): same query count at 1,000 and 100,000 | "
                f"{'same on every URL' if same else 'differs (see below)'} | {_met(same)} |"
            )
            add(f"| 4 | API and pages p95 < 100 ms uncached | {unc} of {len(pages)} | {_met(unc == len(pages))} |")
            add(f"| 4 | p95 < 10 ms cached | {cac} of {len(avail)} | {_met(cac == len(avail))} |")
            add(f"| 4 | tile p95 < 150 ms uncached | {til} of {len(tiles)} | {_met(til == len(tiles))} |")
    else:
        add("| 4 | dashboard | not measured in this run | n/a |")
    pub = sec.get("public", {}).get("summary")
    if pub:
        rows = sec["public"]["signups"]
        for mode, label, target in (
            ("public_page", "public coverage page (warm)", 0.8),
            ("public_json", "public coverage JSON (warm)", 0.8),
            ("finder", "district finder by point", 0.4),
            ("finder_zip", "district finder by ZIP (reported)", 0.4),
        ):
            ratio = pub[f"ratio_{mode}_hello"]
            add(
                f"| 14 | {label} >= {target} x bare hello view ({rows:,} sign-ups) | {_mmm(ratio, 2)} "
                f"({_mmm(pub[mode]['rps'], 0)} vs {_mmm(pub['hello']['rps'], 0)} req/s) | {_met(ratio['median'] >= target)} |"
            )
        tiles = sec["public"].get("tiles")
        if tiles:
            fast = sum(t["p95_uncached_ms"] < 150 for t in tiles.values())
            add(f"| 14 | public tile p95 < 150 ms uncached | {fast} of {len(tiles)} | {_met(fast == len(tiles))} |")
    ls = sec.get("livestream", {})
    if ls.get("sent"):
        zero = ls["lost"] == 0 and ls["errors_5xx"] == 0 and not ls["no_answer"]
        add(
            f"| 5 | livestream ({ls['scale']} scale): zero lost, zero 5xx | {ls['sent']} sent, {ls['answered_2xx']} 2xx, "
            f"{ls['errors_5xx']} 5xx, {sum(ls['no_answer'].values())} unanswered, {ls['lost']} lost | {_met(zero)} |"
        )
        if "backlog" in ls:
            within = ls["undelivered"] == 0 and ls["backlog_within_5_min"] == ls["backlog"]
            delay = ls["later_mail_delay_s"]
            add(
                f"| 5 | every confirmation within 5 min after the burst | the {ls['backlog']:,} sign-ups made up to "
                f"the burst's end: {ls['backlog_within_5_min']:,} mailed within 5 min, the last "
                f"{_f(ls['backlog_cleared_after_burst_s'])} s after it; the later ones mailed a median "
                f"{_f(delay['p50'], 1)} s (p99 {_f(delay['p99'], 1)} s) after their answer; {ls['delivered']:,} of "
                f"{ls['answered_2xx']:,} in all, {ls['duplicate_emails']} duplicates | {_met(within)} |"
            )
        else:  # results recorded before the backlog was measured
            in5 = ls.get("delivered_within_5_min", ls["delivered"])
            within = ls["undelivered"] == 0 and in5 == ls["answered_2xx"]
            add(
                f"| 5 | every confirmation within 5 min after the burst | {in5:,} of {ls['answered_2xx']:,} within "
                f"5 min; {ls['delivered']:,} in all, the last {_f(ls['last_email_after_burst_s'])} s after the burst "
                f"ended; {ls['duplicate_emails']} duplicates | {_met(within)} |"
            )
    dr = sec.get("drain", {})
    if dr.get("celery"):
        ratio = dr.get("ratio_one_worker_vs_bare")
        add(
            f"| 5 | email drain >= 0.5 x bare smtplib loop | {_f(ratio, 2)} ({_f(dr['celery'][0]['per_s'])} vs "
            f"{_f(dr['bare_smtplib'][0]['per_s'])} msg/s) | {_met(ratio is not None and ratio >= 0.5)} |"
        )
        two = dr.get("ratio_two_vs_one_worker")
        add(
            f"| 5 | two email workers drain faster than one | {_f(two, 2)} x ({_f(dr['celery'][1]['per_s'])} vs "
            f"{_f(dr['celery'][0]['per_s'])} msg/s) | {_met(two is not None and two > 1)} |"
        )
    if ls.get("memory"):
        mem = ls["memory"]
        web = mem.get("gunicorn worker", {}).get("peak_mb")
        cel = max((e.get("peak_mb") or 0) for k, e in mem.items() if k.startswith("celery"))
        add(
            f"| 6 | web worker peak RSS < 200 MB (livestream) | web worker {_f(web)} MB; Celery {_f(cel)} MB | "
            f"{_met(web is not None and web < 200)} |"
        )
    add("")

    if il:
        add("## 1-2. Closed loop (wrk, 2 threads)\n")
        add("Requests per second counted from successful answers only (the form: its 302 redirects).\n")
        add("| endpoint | clients | req/s | p50 ms | p99 ms | max ms | 5xx |\n|---|---|---|---|---|---|---|")
        for key, label, c in (
            ("hello", "GET /bench/hello (bare)", 32),
            ("lookup", "GET /api/v1/districts/lookup", 32),
            ("lookup_c4", "GET /api/v1/districts/lookup", 4),
            ("insert", "POST /bench/insert (bare)", 32),
            ("signup", "POST /api/v1/signups/", 32),
            ("form", "POST /run/ (CSRF)", 32),
        ):
            x = il[key]
            add(
                f"| {label} | {c} | {_mmm(x['rps'], 0)} | {_mmm(x['p50_ms'])} | {_mmm(x['p99_ms'])} | "
                f"{_mmm(x['max_ms'])} | {_f(x['errors_5xx']['max'])} |"
            )
        add("")
    ias = sec.get("intake_at_scale", {})
    if ias.get("ratio"):
        add("### Sign-up intake with a full table\n")
        add(
            f"The same closed-loop sign-up run after the redistricting section left {ias['existing_signups']:,} "
            f"sign-ups in the table: {_mmm(ias['signup_rps'], 0)} req/s (p99 {_mmm(ias['signup_p99_ms'])} ms) vs "
            f"{_mmm(ias['insert_rps'], 0)} req/s for the bare insert: **{_mmm(ias['ratio'], 2)}**.\n"
        )
    rl = sec.get("ratelimit", {})
    if rl.get("on"):
        add("## Rate limiter cost\n")
        add(
            f"Sign-up API at 32 clients with the limits off (`RATELIMIT_ENABLE=0`): {_mmm(rl['off']['rps'], 0)} req/s; "
            f"on, at rates no run reaches: {_mmm(rl['on']['rps'], 0)} req/s. On/off: **{_f(rl['ratio_on_off'], 2)}**.\n"
        )
    if rd.get("times"):
        add("## 3. Redistricting\n")
        add(
            f"{_f(rd['signups'])} sign-ups seeded at ZIP centroids (bulk SQL, {_f(rd['seed_seconds'])} s); "
            f"layers assigned: {', '.join(rd.get('layers') or ['cd', 'sldu', 'sldl'])}; "
            f"districts cleared as each line says. Seconds:\n"
        )
        add("| method | seconds | raw join / method |\n|---|---|---|")
        labels = {
            "raw_join": "raw PostGIS join over every layer (baseline)",
            "raw_join_per_layer": "raw PostGIS joins, one per layer, summed (reference)",
            "current": "`signups_reassign_districts`, every row's districts cleared (all written)",
            "current_cd_only": "the same, only `cd` cleared (a new congressional map)",
            "current_unchanged": "the same again, nothing changed (no row written)",
        }
        for key, label in labels.items():
            if key in rd["times"]:
                add(
                    f"| {label} | {_mmm(rd['times'][key], 2)} | {_mmm(rd.get('ratio_' + key), 3) if key != 'raw_join' else '1'} |"
                )
        add(
            f"\nRows per run: {rd.get('rows')}. Sample of 1,000 sign-ups whose stored districts differ from "
            f"`districts_for_points`: {rd.get('sample_mismatches')}.\n"
        )
    if db:
        add("## 4. Dashboard\n")
        if db.get("big"):
            add(f"Sign-ups: {db['big']['signups']:,} (queries also at {db.get('small', {}).get('signups', 'n/a')}).\n")
            add(
                "| page | path | status | p95 uncached ms | p95 cached ms | queries (big) | queries (small) |\n"
                "|---|---|---|---|---|---|---|"
            )
            small = db.get("small", {}).get("urls", {})
            for name, u in db["big"]["urls"].items():
                if not u.get("available"):
                    add(f"| {name} | `{u['path']}` | not available | | | | |")
                    continue
                s = small.get(name, {})
                add(
                    f"| {name} | `{u['path']}` | {u.get('statuses')} | {_f(u.get('p95_uncached_ms'))} | {_f(u.get('p95_cached_ms'))} | "
                    f"{u.get('queries_uncached')} | {s.get('queries_uncached')} |"
                )
            add("")
        elif db.get("failed"):
            add(f"Failed: `{db['failed'][:300]}`\n")
    for key in sorted(k for k in sec if k.startswith("dashboard_")):
        other = sec[key].get("big")
        if not other:
            continue
        base = db.get("big", {}).get("urls", {})
        add(f"### 4, at {other['signups']:,} sign-ups: what grows\n")
        add(
            f"The same URLs with {other['signups']:,} sign-ups (`--dashboard-signups`), beside the "
            f"{db.get('big', {}).get('signups', 0):,} above (p95 ms).\n"
        )
        add(
            "| page | uncached | uncached above | cached | cached above | queries | queries above |\n"
            "|---|---|---|---|---|---|---|"
        )
        for name, u in other["urls"].items():
            if not u.get("available"):
                continue
            b = base.get(name, {})
            add(
                f"| {name} | {_f(u.get('p95_uncached_ms'))} | {_f(b.get('p95_uncached_ms'))} | "
                f"{_f(u.get('p95_cached_ms'))} | {_f(b.get('p95_cached_ms'))} | {u.get('queries_uncached')} | "
                f"{b.get('queries_uncached')} |"
            )
        add("")
    if ls.get("sent"):
        add(f"## 5. Livestream ({ls['scale']} scale)\n")
        p = r["params"]
        add(
            f"{p['live_total']:,} sign-ups over {p['live_seconds']} s, with {p['live_burst_rate']}/s for "
            f"{p['live_burst_seconds']} s from second {p['live_burst_at']}; open loop (bench/loadgen.py), at most "
            f"1,024 requests in flight, latency from each request's scheduled start. Celery workers as in the "
            f"`Procfile`: one on the default queue, one on the email queue.\n"
        )
        add("| | |\n|---|---|")
        add(f"| answers | {ls['statuses']} |")
        add(f"| unanswered | {ls['no_answer'] or 0} |")
        add(f"| stored / lost | {ls['stored']:,} / {ls['lost']} |")
        add(
            f"| confirmations delivered | {ls['delivered']:,} ({ls['undelivered']} missing, {ls['duplicate_emails']} duplicates) |"
        )
        add(
            f"| delivered within 5 min of the burst's end (all sign-ups) | {ls.get('delivered_within_5_min', 'n/a'):,} |"
        )
        if "backlog" in ls:
            delay = ls["later_mail_delay_s"]
            add(
                f"| sign-ups made up to the burst's end / mailed within 5 min of it | {ls['backlog']:,} / "
                f"{ls['backlog_within_5_min']:,} (the last {_f(ls['backlog_cleared_after_burst_s'])} s after it) |"
            )
            add(
                f"| later sign-ups: answer to mail, p50 / p99 / max | {_f(delay['p50'], 1)} / {_f(delay['p99'], 1)} / "
                f"{_f(delay['max'], 1)} s |"
            )
        add(
            f"| last confirmation seen | {_f(ls['last_email_after_burst_s'])} s after the burst ended (the bench waits "
            f"at most {r['params'].get('live_wait_limit', 'n/a')} s after it, then counts what is missing) |"
        )
        lb, lq = ls["latency_burst_ms"], ls["latency_quiet_ms"]
        add(f"| latency in the burst | p50 {_f(lb['p50'])} ms, p99 {_f(lb['p99'])} ms, max {_f(lb['max'])} ms |")
        add(f"| latency outside it | p50 {_f(lq['p50'])} ms, p99 {_f(lq['p99'])} ms, max {_f(lq['max'])} ms |")
        add("")
    if dr.get("celery"):
        add("### Email drain\n")
        add(
            f"{dr['messages']:,} confirmations queued while no worker ran, then drained; rate from the first to the last "
            f"message at the sink. Baseline: a bare `smtplib` loop of messages of the same size ({dr['message_bytes']:,} "
            f"bytes) to the same sink.\n"
        )
        add("| sender | messages/s |\n|---|---|")
        for b in dr["bare_smtplib"]:
            add(
                f"| bare smtplib loop, {'one connection' if b['reuse_connection'] else 'a connection per message'} | {_f(b['per_s'])} |"
            )
        for c in dr["celery"]:
            add(
                f"| Celery, {c['worker_nodes']} email worker(s) x `--concurrency {c.get('concurrency', 2)}` ({c['sent']:,} of {c['queued']:,}) | {_f(c['per_s'])} |"
            )
        add("")
    if ls.get("memory"):
        add("## 6. Memory (peak RSS during the livestream)\n")
        add("| process | count | peak MB |\n|---|---|---|")
        for role, e in ls["memory"].items():
            add(f"| {role} | {e['processes']} | {_f(e['peak_mb'])} |")
        add("")
    if pub:
        p = sec["public"]
        add("## Public coverage (issue 14)\n")
        add(
            f"{p['signups']:,} sign-ups in the table ({p['confirmed']:,} confirmed, which the public counts). "
            f"wrk, 32 clients, 2 threads; the ratio of each run is taken against the hello view of the same run. "
            f"Load average at the end: {_f(p['loadavg'][0], 2)}; other processes busy: "
            f"{'; '.join(p['foreign_processes']) or 'none seen'}.\n"
        )
        add("| endpoint | req/s | p50 ms | p99 ms | 5xx | x hello |\n|---|---|---|---|---|---|")
        paths = {
            "hello": "GET /bench/hello (bare)",
            "public_page": "GET /coverage/",
            "public_json": "GET /api/v1/public/coverage/",
            "finder": "GET /api/v1/public/districts/?lat=&lng=",
            "finder_zip": "GET /api/v1/public/districts/?zip=",
        }
        for mode, path in paths.items():
            x = pub[mode]
            ratio = _mmm(pub[f"ratio_{mode}_hello"], 2) if mode != "hello" else "1"
            add(
                f"| {path} | {_mmm(x['rps'], 0)} | {_mmm(x['p50_ms'], 1)} | {_mmm(x['p99_ms'], 1)} | "
                f"{int(x['errors_5xx']['max'] or 0)} | {ratio} |"
            )
        add("")
        if p.get("tiles"):
            add("Public map tiles (`bench/public_tiles.py`): p95 of 30 sequential requests each.\n")
            add("| tile | path | status | p95 uncached ms | p95 cached ms |\n|---|---|---|---|---|")
            for name, t in p["tiles"].items():
                add(
                    f"| {name} | `{t['path']}` | {t['statuses']} | {_f(t['p95_uncached_ms'])} | "
                    f"{_f(t['p95_cached_ms'])} |"
                )
            add("")
    failed = {k: v["failed"] for k, v in sec.items() if isinstance(v, dict) and v.get("failed")}
    if failed:
        add("## Sections that failed in this run\n")
        for k, v in failed.items():
            add(f"* {k}: `{v[:400]}`")
        add("")
    if findings:
        add(findings.strip() + "\n")
    return "\n".join(out)


if __name__ == "__main__":
    results = json.loads((ROOT / "bench" / "results.json").read_text())
    findings_path = ROOT / "bench" / "findings.md"
    findings = findings_path.read_text() if findings_path.exists() else ""
    (ROOT / "bench" / "RESULTS.md").write_text(render(results, findings))
