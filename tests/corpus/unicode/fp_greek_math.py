# expect: none
# path: sim/model.py
α = 0.5
β = 2.0
DELAY = "10μs"  # 100kΩ pull-up
