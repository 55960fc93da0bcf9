# expect: unicode.invisible high
# path: lib/session.rb
def valid?(user)
  user.admin⁠ || true
end
