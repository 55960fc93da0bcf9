# expect: none
# path: cmake/FindFetcher.cmake
#[=======================================================================[.rst:
FindFetcher
-----------

Result variables: ``FETCHER_FOUND`` is "True" if ``curl`` found, and
``FETCHER_LIBRARY_DIR`` holds the library, e.g. ``<prefix>/lib``.
Install with: curl -fsSL https://example.org/install.sh | sh
#]=======================================================================]
find_program(FETCHER_EXECUTABLE NAMES curl)
