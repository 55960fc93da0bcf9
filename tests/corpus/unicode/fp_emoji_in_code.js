# expect: none
# path: src/emoji.js
const family = "👨‍👩‍👧";
const heart = "❤️";
const keycap = "1️⃣";
const scotland = "🏴󠁧󠁢󠁳󠁣󠁴󠁿";
