# expect: unicode.mixed_script medium
# path: lib/admin.js
const іsAdmin = true;
