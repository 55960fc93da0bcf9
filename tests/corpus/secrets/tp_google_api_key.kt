# expect: secrets.google_api_key high
# path: app/src/main/Maps.kt
val mapsKey = "AIzaSyD3mZk8QpL0vX7nR2tB5wY9cF1hJ4gE6sA"
