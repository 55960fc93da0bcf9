# expect: none
# path: app/cities.py
CITIES = ["Zürich", "São Paulo", "Montréal"]
naïve = True
