/// The dashboard's two files: its style (the HTML report's, and the parts only pages have) and
/// its one script, which the Content-Security-Policy allows as the only code a page runs.
extension DashboardPage {
  public static let style =
    HTMLReport.style + """

      nav { display: flex; justify-content: space-between; font-size: 13px; margin-bottom: 8px; }
      a { color: #2f6fb3; } @media (prefers-color-scheme: dark) { a { color: #6ea8fe; } }
      .state { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; text-decoration: none; color: var(--fg); background: var(--panel); }
      .state.running { background: #1f6feb33; } .state.finished { background: #2da44e33; } .state.diverged, .state.failed { background: #d1242f33; } .state.stale, .state.interrupted { background: #d4a01733; }
      table.states td { text-align: left; vertical-align: top; } table.facts td { text-align: left; }
      tr.differs td { background: var(--panel); font-weight: 600; }
      .controls, .download { font-size: 13px; color: var(--muted); flex-basis: 100%; margin: 0; }
      .controls a.chosen { font-weight: 700; }
      ul.facts { list-style: none; padding: 0; margin: 0; } progress { width: 240px; }
      form.filter input { font: 13px ui-monospace, monospace; }
      """

  /// Live updates: the page listens to `/events`. A `change` says the state of each run
  /// running or just stopped, which the script writes into that run's badges (`data-run`) at
  /// once; at a `redraw` (the server sends one at most every few seconds) it fetches the page
  /// again and swaps the elements marked `data-live` (curves, progress, the heatmap, tables),
  /// keeping the ticked boxes and the states heard since the redraw, which are newer than the
  /// page. Without the script the page is whole, and a reload shows what is new.
  public static let script = """
    "use strict";
    (() => {
      const status = document.getElementById("live-status");
      // Each run's latest state from the events, with the number of the event it came in.
      const heard = new Map();
      let eventCount = 0, lastRedraw = 0;
      function show(run) {
        for (const badge of document.querySelectorAll(`[data-run="${run.id}"]`)) {
          badge.textContent = "#" + run.id + " " + run.text;
          badge.className = "state " + run.state;
        }
      }
      let fetching = false, again = false;
      async function refresh() {
        if (fetching) { again = true; return; }
        fetching = true;
        // The page is drawn after the latest redraw: a state heard before it is older.
        const asked = lastRedraw;
        try {
          const response = await fetch(location.href,
            { credentials: "same-origin", signal: AbortSignal.timeout(30000) });
          status.textContent = response.ok ? "live" : "could not refresh: " + response.status;
          if (response.ok) {
            const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
            const ticked = new Set(Array.from(
              document.querySelectorAll("input[type=checkbox]:checked"), box => box.value));
            for (const old of document.querySelectorAll("[data-live][id]")) {
              const replacement = fresh.getElementById(old.id);
              if (replacement) old.replaceWith(document.importNode(replacement, true));
            }
            for (const box of document.querySelectorAll("input[type=checkbox]")) {
              box.checked = ticked.has(box.value);
            }
            // States heard while the page was on its way are newer than the page.
            for (const { run, at } of heard.values()) { if (at > asked) show(run); }
          }
        } catch (error) {
          status.textContent = "could not refresh: " + error;
        } finally {
          fetching = false;
          if (again) { again = false; refresh(); }
        }
      }
      const events = new EventSource("/events");
      events.addEventListener("change", event => {
        eventCount += 1;
        for (const run of JSON.parse(event.data).runs) {
          heard.set(run.id, { run, at: eventCount });
          show(run);
        }
      });
      events.addEventListener("redraw", () => {
        eventCount += 1;
        lastRedraw = eventCount;
        refresh();
      });
      events.onopen = () => { status.textContent = "live"; };
      events.onerror = () => { status.textContent = "reconnecting…"; };
    })();

    """
}
