# expect: secrets.private_key critical
# path: src/keys.js
export const SIGNING_KEY = "-----BEGIN PRIVATE KEY-----\nWk4eipp/bS8kqzCasq+k3uNQR1IuDfBQzXcx9nw5FZ1XmPJE7SQjINJ+Fn09kLF4\nBcJu6nXdum5DWk0gUlb93sqOzfoCTjiSmf6bQJ6P66affy6F+1iMc/c/Z1D6xBxP\nTVTAOFjegjiW4J5OPZJ6eeo5/gZdW5+/SJEeAoYvvOr+bZmKNSWChLy7Im1FgPQg\nGpmTqViFOi+nYmJCgWoTD4jyfBWITgrs5q8ZkVhKk3SUO7+9/oE7djRsE2UmJvnb\nqtm4wIxRWmfvKCChYdYIXJezOOhhOOStWnrmGOd8Fv8rMV8Hd7Q3miW6kWZFFsj+\nVMnYxdVCaHKQutrZ88iL+Ixsi3q3NuB0W8WaU++aLXVuN1W09XJhu/evYRLGEOTl\n-----END PRIVATE KEY-----\n";
