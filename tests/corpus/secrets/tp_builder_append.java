# expect: secrets.github_token high
# note: a StringBuilder's appends, and String.concat, join literals at run time
# path: src/main/java/Config.java
class Config {
    static final String TOKEN = new StringBuilder().append("ghp_R7nX2qLm").append("V9sK4tPzW8yB3cD6fH1jA5eG0uNo").toString();
}
