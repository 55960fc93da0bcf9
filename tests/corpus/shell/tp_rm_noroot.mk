# expect: shell.rm_catastrophic critical
# path: build/clean.mk
clean:
	-rm --no-preserve-root -r $(OUT)
