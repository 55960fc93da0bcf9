# expect: unicode.hidden_text high
# note: bytes hidden in variation selectors after an emoji (emoji smuggling)
# path: src/banner.js
export const banner = "😀󠅓󠅥󠅢󠅜󠄐󠅘󠅤󠅤󠅠󠄪󠄟󠄟󠄢󠄠󠄣󠄞󠄠󠄞󠄡󠄡󠄣󠄞󠄩󠄟󠅨󠄐󠅬󠄐󠅣󠅘";
