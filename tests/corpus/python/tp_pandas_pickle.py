# expect: python.deserialize high
# path: app/df.py
df = pd.read_pickle(uploaded)
