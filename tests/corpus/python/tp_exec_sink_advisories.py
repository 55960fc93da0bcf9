# expect: python.eval_exec low
# expect: python.deserialize low
# expect: python.subprocess_shell low
# note: the new sinks on data the program built itself stay advisories
# path: bench/profile_local.py
import cProfile, pydoc, torch

def profile(stmt, model_path, text):
    cProfile.run(stmt)
    model = torch.load(model_path)
    pydoc.pipepager(text, cmd="less -R")
    return model
