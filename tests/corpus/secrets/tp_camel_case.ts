# expect: secrets.generic_assignment medium
# note: the keyword is a camelCase hump (dbPassword)
# path: src/db.ts
const dbPassword = "Xk9#mQ2!vL7pRt";
