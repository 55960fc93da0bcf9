# expect: secrets.stripe_key high
# path: config/initializers/stripe.rb
Stripe.api_key = 'sk_live_51H8xYzAbCdEfGhIjKlMnOpQr2345'
