# vr_build_id.cmake (cmake -P, at every build, and once at configure): writes OUT, the C source of
# vr_build_id(), the commit the library is compiled from. "-dirty" marks tracked files that differ
# from that commit (results/ excepted: bench/make_results.sh rewrites it and flags the rest the
# same way), so a binary built from an edited tree never reports a clean commit. The file is
# rewritten only when the string changes, so an unchanged tree rebuilds nothing. (git status without
# its optional index lock: two builds of one tree at once must not fail each other.)
#   -DSRC=<source dir> -DOUT=<file>
execute_process(COMMAND git rev-parse --short HEAD WORKING_DIRECTORY "${SRC}" RESULT_VARIABLE rc
                OUTPUT_VARIABLE id OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT rc EQUAL 0 OR NOT id)
  set(id "unknown")
else()
  execute_process(COMMAND git --no-optional-locks status --porcelain --untracked-files=no -- . ":!results"
                  WORKING_DIRECTORY "${SRC}" RESULT_VARIABLE rc OUTPUT_VARIABLE st ERROR_QUIET)
  if(NOT rc EQUAL 0)
    set(id "${id}-unknown-state")
  elseif(st)
    set(id "${id}-dirty")
  endif()
endif()
set(text "/* Generated at build time by cmake/vr_build_id.cmake; do not edit. */\n#include \"vixrisk/vr_version.h\"\n\nconst char *vr_build_id(void)\n{\n    return \"${id}\";\n}\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
else()
  set(old "")
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}.tmp" "${text}")
  file(RENAME "${OUT}.tmp" "${OUT}")
endif()
