"""Small HTML pages that exercise what real pages do to a text extractor.

Each page is built in code (no machine files): a Sphinx-style manual page, pages in declared and
undeclared encodings, and broken markup. ``write_html_pages`` writes them all and returns the paths.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.corpus import make_html

SPHINX_PAGE = """<!DOCTYPE html>
<html lang="en" data-content_root="../">
<head>
  <meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1.0" />
  <title>os.path &#8212; Common pathname manipulations &#8212; Python 3.11 documentation</title>
  <link rel="stylesheet" type="text/css" href="../_static/pygments.css" />
  <script src="../_static/documentation_options.js"></script>
  <script>window.dataLayer = window.dataLayer || []; var onlyInScript = "hidden";</script>
  <style>@media (max-width: 800px) { .sidebar { display: none } } .onlyInStyle { }</style>
</head>
<body>
  <noscript><p>Enable JavaScript to search: onlyInNoscript</p></noscript>
  <template id="row"><tr><td>onlyInTemplate</td></tr></template>
  <div class="related" role="navigation" aria-label="Related">
    <ul><li><a href="../genindex.html" title="General Index" accesskey="I">index</a></li>
      <li class="right"><a href="fileinput.html" title="fileinput &#8212; Iterate over lines">next</a> |</li>
    </ul>
  </div>
  <section id="module-os.path">
  <h1><code class="xref py py-mod docutils literal notranslate"><span class="pre">os.path</span></code>
  &#8212; Common pathname manipulations<a class="headerlink" href="#module-os.path" title="Link">¶</a></h1>
  <p><strong>Source code:</strong> <a class="reference external" href="https://x/Lib/posixpath.py">Lib/posixpath.py</a>
  (for POSIX) and <a href="https://x/Lib/ntpath.py">Lib/ntpath.py</a> (for Windows).</p>
  <p>This module implements some useful functions on pathnames. To read or write files see
  <a class="reference internal" href="functions.html#open" title="open"><code>open()</code></a>, and for
  accessing the filesystem see the <a href="os.html#module-os"><code>os</code></a> module.</p>
  <!-- a comment that must not be indexed: onlyInComment -->
  <div class="admonition note"><p class="admonition-title">Note</p>
  <p>Unlike a Unix shell, Python does not do any <em>automatic</em> path expansions &amp; globbing.</p></div>
  <dl class="py function"><dt class="sig sig-object py" id="os.path.abspath">
  <span class="sig-prename descclassname">os.path.</span><span class="sig-name descname">abspath</span>
  <span class="sig-paren">(</span><em class="sig-param">path</em><span class="sig-paren">)</span></dt>
  <dd><p>Return a normalized absolutized version of the pathname <em>path</em>. On most platforms,
  this is equivalent to calling <code>normpath(join(os.getcwd(), path))</code>.</p>
  <div class="highlight-python3"><pre><span></span><span class="gp">&gt;&gt;&gt; </span>
<span class="n">os</span><span class="o">.</span><span class="n">path</span>   <span class="o">.</span>abspath
<span class="p">(</span>&quot;a&quot;<span class="p">)</span>
    indented   code   line
</pre></div>
  <table class="docutils"><thead><tr><th>Function</th><th>Returns</th></tr></thead>
  <tbody><tr><td><p>basename</p></td><td><p>the final component</p></td></tr>
  <tr><td>dirname</td><td>everything before it&nbsp;&mdash;&nbsp;and&hellip;</td></tr></tbody></table>
  </dd></dl>
  </section>
  <script>document.querySelectorAll("a").forEach(function (a) { a.rel = "x"; });</script>
</body>
</html>
"""

BROKEN_PAGE = """<html><head><title>Broken &amp unterminated</title>
<body>
<p>First paragraph without an end tag
<p>Second <b>bold <i>and italic</b> crossing</i> tags
<div>stray close</span></div></div>
<ul><li>one<li>two<li>three</ul>
<p>Entities: &lt;tag&gt; &copy; 2024 &#x263A; AT&T &amp c</p>
<br/>line<br>break<hr>
<table><tr><td>cell one<td>cell two</table>
<script>if (a < b && c > d) { document.write("</p>onlyInScript"); }</script>
<p>After the script, text continues
"""


def write_html_pages(folder: Path) -> list[Path]:
    """Write the tricky pages into ``folder`` (created) and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = {
        "sphinx.html": SPHINX_PAGE.encode("utf-8"),
        "broken.html": BROKEN_PAGE.encode("utf-8"),
        "latin1-declared.html": (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
            "<title>Caf\u00e9</title></head><body><p>Stéphane, Jérôme and Jörg wrote this "
            "na\u00efve r\u00e9sum\u00e9.</p></body></html>"
        ).encode("iso-8859-1"),
        "utf8-undeclared.htm": (
            "<html><body><h2>Ünïcode without a charset</h2><p>Ελληνικά, русский, 日本語 — “quoted”.</p>"
            "</body></html>"
        ).encode(),
        "windows1252-undeclared.html": (
            "<p>Smart \u201cquotes\u201d and an en \u2013 dash, \u20ac 5.</p>".encode("windows-1252")
        ),
        "bom-utf8.html": b"\xef\xbb\xbf<p>Text after a byte-order mark.</p>",
        "fragment.html": b"Just text, no tags at all.\n\nSecond   line.",
    }
    paths = []
    for name, raw in pages.items():
        path = folder / name
        path.write_bytes(raw)
        paths.append(path)
    paths += [make_html(folder / f"generated-{seed}.html", paragraphs=8, seed=seed) for seed in range(3)]
    paths.append(make_html(folder / "generated-phrase.html", paragraphs=2, seed=9, phrase="marked phrase"))
    return paths
