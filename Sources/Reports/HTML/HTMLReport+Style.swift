/// The report's CSS: light by default, dark where the reader's system prefers it; colours of the
/// charts' text, grid and axes as variables, so one drawing reads in both.
extension HTMLReport {
  static let style = """
    :root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e; --grid: #e3e6ea; --panel: #f6f8fa; --accent: #d4a017; }
    @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --grid: #2a3038; --panel: #161b22; --accent: #f2c94c; } }
    body { margin: 0 auto; max-width: 1240px; padding: 24px 28px 48px; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
    h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 36px 0 4px; border-bottom: 1px solid var(--grid); padding-bottom: 4px; }
    .muted, .note { color: var(--muted); } .note { margin: 4px 0 12px; }
    .charts { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
    .charts svg { background: var(--panel); border-radius: 6px; max-width: 100%; height: auto; }
    svg text { fill: var(--fg); font: 12px system-ui, -apple-system, "Segoe UI", sans-serif; }
    svg .title { font-size: 13px; font-weight: 600; } svg .tick, svg .legend { fill: var(--muted); } svg .label { font-size: 12px; }
    svg .on-light { fill: #111111; font-weight: 600; } svg .on-dark { fill: #ffffff; font-weight: 600; }
    svg line.grid { stroke: var(--grid); stroke-width: 1; } svg line.axis { stroke: var(--muted); stroke-width: 1; }
    svg .cell { stroke: var(--bg); stroke-width: 2; } svg .cell.best { stroke: var(--accent); stroke-width: 4; }
    svg .diverged { fill: var(--panel); } svg .hatch { stroke: #d1242f; stroke-width: 2; } svg .break { fill: var(--muted); font-size: 14px; }
    ul.reading { flex-basis: 100%; margin: 0; padding-left: 20px; }
    table { border-collapse: collapse; font-size: 13px; } th, td { padding: 4px 10px; text-align: right; border-bottom: 1px solid var(--grid); }
    th { color: var(--muted); font-weight: 600; } tr.best td { background: var(--panel); font-weight: 600; }
    """
}
