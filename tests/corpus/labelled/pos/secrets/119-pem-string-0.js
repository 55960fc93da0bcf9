# expect: secrets.private_key critical
# path: src/keys.js
export const SIGNING_KEY = "-----BEGIN PRIVATE KEY-----\nByLF/DzPs/jt3QAhFHjFoirPngLjzQ/PgqFBIn8eIPGIVJmqZ9EvXNPSOZH9kfeu\nkEFUOdF55UTcAf0U1XO4AtsSwyiFhm/wy3noBm43yVoflSDS+4MbCxJmQ09MUAMa\nMTIPPRrYo4M3uMgmaGBdq4uruglpwep8eXD0aMcfJeAJylBgsfjIn0+2szfroGYi\n2OMYJ/LGr6YhlZAoix1hqEySgGCQEFYCjFgQ+AuEb3nfXeqRqezJ1Ga616iqJuIi\nDsV1P5EpZLVlXZOmGOMonSNZZjBxLfz/U44jv8PPu0izvn+cy3fnfUt4+4BI4K6/\nXCtW74Nokj5DzNKBTh3iNnm78V88ykbZrkE9antM8r1UcykQFwQcCowYoGs9QaxI\n-----END PRIVATE KEY-----\n";
