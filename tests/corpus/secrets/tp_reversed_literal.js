# expect: secrets.github_token high
# note: the JavaScript spelling of a reversed string
# path: web/k.js
const t = 'Oi1GuEa4FsH9dJc3WbY7zTk5Np0LvV2qXm8R_phg'.split('').reverse().join('');
