"""fetch.py URL: print the body of an HTTP GET (through $http_proxy when set).

Exit 0 on a 2xx answer, 1 otherwise (a refusal by a proxy included)."""
import sys
import urllib.error
import urllib.request


def main(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as answer:
            sys.stdout.write(answer.read().decode("utf-8", "replace"))
            return 0
    except urllib.error.HTTPError as e:
        print("fetch: %s: HTTP %d %s" % (url, e.code, e.reason), file=sys.stderr)
    except (urllib.error.URLError, OSError) as e:
        print("fetch: %s: %s" % (url, e), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
