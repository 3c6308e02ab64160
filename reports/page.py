"""The HTML of a report: one file, readable with no network and no
script.

Everything a page holds goes through these helpers, which escape every
string they are given (a scenario's name or a counter's is data, never
markup) and write markup that an HTML5 parser takes without a single
parse error (tests/test_report.py checks with html5lib in strict mode).
Figures are <figure class="plot"> elements holding one inline <svg>, so
a reader (or a test) finds each plot by that class.

Numbers: nanoseconds are shown as microseconds with three decimals;
differences between two runs are marked `worse` (red) or `better`
(green) when they move by more than DIFF_PCT percent, or `diff`
(yellow) for values that are neither.
"""
import html

DIFF_PCT = 5.0

STYLE = """
body{font:14px system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;
 max-width:64em;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid
 #ddd}h3{font-size:1.05em;margin-top:1.5em}
table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:2px 8px;text-align:right;
 vertical-align:top}
th{background:#f4f4f4}td.l,th.l{text-align:left}
td.worse{background:#fdd}td.better{background:#dfd}td.diff{background:#ffc}
figure.plot{margin:1em 0}figure.plot svg{max-width:100%;height:auto}
figcaption{font-size:.9em;color:#555;max-width:50em}
p.note{color:#555;font-size:.9em}
nav a{margin-right:1em}
details{margin:.5em 0}summary{cursor:pointer;color:#1565c0}
"""


def esc(s):
    return html.escape("" if s is None else str(s), quote=True)


def us(ns, digits=3):
    """Nanoseconds as microseconds, or an empty string for NULL."""
    if ns is None:
        return ""
    return f"{ns / 1000.0:,.{digits}f}"


def num(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.3f}"
    return f"{v:,}"


def change(a, b, lower_is_better=True):
    """(text, css class) for the move from a to b."""
    if a is None or b is None:
        return "", ""
    if a == b:
        return "=", ""
    if a == 0:
        return "new", "diff"
    pct = 100.0 * (b - a) / abs(a)
    cls = ""
    if abs(pct) > DIFF_PCT:
        if lower_is_better is None:
            cls = "diff"
        else:
            cls = "worse" if (pct > 0) == lower_is_better else "better"
    return f"{pct:+.1f}%", cls


class Table:
    """A table: headers (text, left-aligned?) and rows of cells; a cell
    is a value or a (value, css class) pair.  Values are escaped."""

    def __init__(self, headers, left=(), head=True):
        self.headers = headers
        self.head = head
        self.left = set(left)
        self.rows = []

    def add(self, *cells):
        self.rows.append(cells)

    def html(self):
        out = ["<table>"]
        if self.head:
            out.append("<thead><tr>")
            for i, h in enumerate(self.headers):
                cls = ' class="l"' if i in self.left else ""
                out.append(f"<th{cls}>{esc(h)}</th>")
            out.append("</tr></thead>")
        out.append("<tbody>")
        for row in self.rows:
            out.append("<tr>")
            for i, c in enumerate(row):
                value, cls = c if isinstance(c, tuple) else (c, "")
                classes = " ".join(x for x in (
                    "l" if i in self.left else "", cls) if x)
                attr = f' class="{classes}"' if classes else ""
                out.append(f"<td{attr}>{esc(value)}</td>")
            out.append("</tr>")
        out.append("</tbody></table>")
        return "".join(out)


class Page:
    """Sections in order; html() is the whole document."""

    def __init__(self, title):
        self.title = title
        self.parts = []
        self.toc = []
        self.nfig = 0

    def h2(self, text, anchor):
        self.toc.append((anchor, text))
        self.parts.append(f'<h2 id="{esc(anchor)}">{esc(text)}</h2>')

    def h3(self, text):
        self.parts.append(f"<h3>{esc(text)}</h3>")

    def p(self, text, note=False):
        cls = ' class="note"' if note else ""
        self.parts.append(f"<p{cls}>{esc(text)}</p>")

    def table(self, t):
        self.parts.append(t.html())

    def figure(self, svg, caption):
        """svg: trusted markup from plots.py or topology.py."""
        self.nfig += 1
        self.parts.append(
            f'<figure class="plot" id="fig{self.nfig}">{svg}'
            f"<figcaption>{esc(caption)}</figcaption></figure>")

    def details(self, summary, inner_table):
        self.parts.append(f"<details><summary>{esc(summary)}</summary>"
                          f"{inner_table.html()}</details>")

    def html(self):
        nav = ""
        if len(self.toc) > 1:
            nav = "<nav>" + "".join(
                f'<a href="#{esc(a)}">{esc(t)}</a>' for a, t in self.toc) \
                + "</nav>"
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head>"
                "<meta charset=\"utf-8\"/>"
                f"<title>{esc(self.title)}</title>"
                f"<style>{STYLE}</style></head><body>"
                f"<h1>{esc(self.title)}</h1>{nav}\n"
                + "\n".join(self.parts) + "\n</body></html>\n")
