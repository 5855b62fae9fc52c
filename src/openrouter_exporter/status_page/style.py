"""The status page's look: its two palettes (light and dark, chosen by the browser), the one
inline stylesheet, and the security headers that allow exactly that stylesheet by its hash
and nothing else (no script, no framing, no external resource)."""

import base64
import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Palette:
    background: str
    surface: str
    text: str
    muted: str
    link: str
    ok: str
    warning: str
    critical: str
    border: str
    chart: str


LIGHT = Palette(
    background="#ffffff",
    surface="#f3f5f7",
    text="#1b1f24",
    muted="#4f5864",
    link="#0550ae",
    ok="#116329",
    warning="#8a5a00",
    critical="#b3141f",
    border="#7d8590",
    chart="#0550ae",
)
DARK = Palette(
    background="#0d1117",
    surface="#161b22",
    text="#e6edf3",
    muted="#a3adb8",
    link="#6cb6ff",
    ok="#56d364",
    warning="#e3b341",
    critical="#ff8078",
    border="#6e7681",
    chart="#6cb6ff",
)
# Text on both backgrounds needs 4.5:1 (WCAG AA); chart strokes and borders 3:1.
TEXT_COLOURS = ("text", "muted", "link", "ok", "warning", "critical")
GRAPHIC_COLOURS = ("border", "chart")


def _variables(palette: Palette) -> str:
    return "".join(f"--{name}:{value};" for name, value in vars(palette).items())


STYLE = (
    f":root{{color-scheme:light dark;{_variables(LIGHT)}}}"
    f"@media (prefers-color-scheme:dark){{:root{{{_variables(DARK)}}}}}"
    "*{box-sizing:border-box}"
    "html{font-size:100%}"
    "@media (min-width:1800px){html{font-size:140%}}"
    "@media (min-width:2600px){html{font-size:190%}}"
    "body{margin:0;padding:1rem;background:var(--background);color:var(--text);"
    "font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;"
    "line-height:1.45}"
    "a{color:var(--link)}"
    "header{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:baseline}"
    "header h1{margin:0;font-size:1.5rem}"
    "header p{margin:0;color:var(--muted)}"
    "nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:1rem;margin:0;padding:0}"
    "main{max-width:120rem}"
    ".account{margin-top:1.5rem;border-top:2px solid var(--border);padding-top:.5rem}"
    "h2{font-size:1.35rem;margin:.5rem 0}"
    "h3{font-size:1.05rem;margin:0 0 .5rem}"
    ".grid{display:grid;gap:1rem;margin-bottom:1rem;"
    "grid-template-columns:repeat(auto-fit,minmax(min(100%,22rem),1fr))}"
    ".grid.charts{grid-template-columns:repeat(auto-fit,minmax(min(100%,34rem),1fr))}"
    ".card{background:var(--surface);border:1px solid var(--border);border-radius:6px;"
    "padding:.75rem 1rem;min-width:0;overflow-x:auto}"
    ".figure{font-size:2.4rem;font-weight:700;margin:0;font-variant-numeric:tabular-nums}"
    ".muted{color:var(--muted)}"
    ".ok{color:var(--ok)}.warning{color:var(--warning)}.critical{color:var(--critical)}"
    ".unknown{color:var(--muted);font-style:italic}"
    ".badge{font-size:.9rem;border:2px solid currentColor;border-radius:4px;padding:0 .4rem;"
    "margin-left:.5rem;vertical-align:middle;text-transform:uppercase;font-weight:700}"
    ".banner{border:2px solid var(--critical);border-left-width:.6rem;border-radius:6px;"
    "padding:.5rem 1rem;margin:.5rem 0;background:var(--surface)}"
    ".banner.warning{border-color:var(--warning)}"
    ".banner strong{color:var(--critical)}.banner.warning strong{color:var(--warning)}"
    "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}"
    "th,td{text-align:left;padding:.2rem .5rem .2rem 0;border-bottom:1px solid var(--border);"
    "vertical-align:top}"
    "td.num,th.num{text-align:right;white-space:nowrap}"
    "td.when{white-space:nowrap}"
    "td.name{overflow-wrap:anywhere}"
    "caption{text-align:left;font-weight:600;padding:.25rem 0}"
    "figure{margin:0}figcaption{color:var(--muted);font-size:.9rem}"
    ".chart{width:100%;height:auto;display:block}"
    ".chart .line{stroke:var(--chart);stroke-width:2}"
    ".chart .bar{fill:var(--chart)}"
    ".chart .axis,.chart .zero{stroke:var(--border);stroke-width:1}"
    ".chart .grid-label{fill:var(--muted);font-size:16px}"
    ".keys-card,.limits-card,.endpoints-card,.budgets-card{grid-column:1/-1}"
    ".key-lists{display:grid;gap:0 1.5rem;"
    "grid-template-columns:repeat(auto-fit,minmax(min(100%,22rem),1fr))}"
    "details{margin-top:.5rem}"
    "ul.reasons{margin:.25rem 0;padding-left:1.25rem}"
    "@media (max-width:30rem){body{padding:.5rem}.card{padding:.5rem}"
    "th,td{padding-right:.3rem}td.when,td.days{white-space:normal}}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
