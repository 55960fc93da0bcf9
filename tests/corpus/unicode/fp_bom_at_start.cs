# expect: none
# path: src/Program.cs
﻿using System;

class P { static void Main() {} }
