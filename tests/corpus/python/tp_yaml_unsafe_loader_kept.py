# expect: python.yaml_load high
# note: the unsafe loaders stay reported, whatever the line around them says
# path: tools/cfn.py
import yaml
t = yaml.load(template_body, Loader=yaml.Loader)
u = yaml.load(template_body, Loader=yaml.UnsafeLoader)
v = yaml.load(template_body, Loader=yaml.FullLoader)
