# expect: secrets.stripe_key high
# path: src/settings.js
module.exports = { stripe: 'sk_live_51Hq2XvL0pN5kTz7YbW3cJd9HsF4aEuG1iOq8rM2' };
