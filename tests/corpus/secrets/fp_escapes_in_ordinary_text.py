# expect: none
# note: escapes that are what they look like: format specs, URL-encoded separators, entities, octal bytes
# path: app/util.py
URL = "https://example.com/search?q=a%20b%2Fc&lang=en&#38;x"
FMT = "%5d items, %2f%% done, %41s"
HTML = "&lt;b&gt;&#169; 2024 &amp; &#x2014;&nbsp;"
NUL = "\000\001\177\200"
s = "ghp_%s" % name
