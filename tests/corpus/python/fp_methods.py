# expect: none
# note: methods named like builtins are not builtins
# path: app/model.py
model.eval()
pattern = re.compile(r"\d+")
self.exec(query)
df.eval("a + b")
cursor.execute(sql, params)
ast.literal_eval(text)
