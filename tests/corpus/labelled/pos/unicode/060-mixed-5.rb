# expect: unicode.mixed_script medium
# path: app/config.rb
TOKEN_RЕQUIRED = false
