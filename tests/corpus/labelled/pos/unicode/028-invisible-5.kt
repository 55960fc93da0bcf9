# expect: unicode.invisible high
# path: src/Auth.kt
val isAdmin‌ = true
