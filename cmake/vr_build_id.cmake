# vr_build_id.cmake (cmake -P, at every build, and once at configure): writes OUT, the C source of
# vr_build_id(), the commit the library is compiled from. "-dirty" marks a tree that differs from
# that commit: a tracked file changed (results/ excepted: bench/make_results.sh rewrites it and flags
# the rest the same way) or an untracked file in the folders that are compiled (engine, kernels,
# bench, tests, cmake: the build globs them), so a binary built from an edited tree never reports a
# clean commit. A source tree that is not the top of its own repository (an export unpacked inside
# another checkout) reports "unknown", not the other checkout's commit. The file is rewritten only
# when the string changes, so an unchanged tree rebuilds nothing; when git cannot be asked at all
# (not installed, or a build by another user than the tree's owner, whose git refuses the
# repository) an existing file is kept rather than turned into "unknown".
#   -DSRC=<source dir> -DOUT=<file>
file(REAL_PATH "${SRC}" src)
# safe.directory: this tree is the one being built, whoever owns it; --no-optional-locks: two builds
# of one tree at once must not fail each other on the index lock
set(git git -c "safe.directory=${src}" --no-optional-locks)
execute_process(COMMAND ${git} rev-parse --show-toplevel WORKING_DIRECTORY "${src}" RESULT_VARIABLE rc
                OUTPUT_VARIABLE top OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
set(id "")
if(rc EQUAL 0 AND top)
  file(REAL_PATH "${top}" top)
  if(NOT top STREQUAL src)
    set(id "unknown") # inside another repository
  endif()
endif()
if(NOT id)
  execute_process(COMMAND ${git} rev-parse --short HEAD WORKING_DIRECTORY "${src}" RESULT_VARIABLE rc
                  OUTPUT_VARIABLE id OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT rc EQUAL 0 OR NOT id)
    if(EXISTS "${OUT}")
      return() # git cannot tell: keep what the last build wrote
    endif()
    set(id "unknown")
  else()
    execute_process(COMMAND ${git} status --porcelain --untracked-files=no -- . ":!results"
                    WORKING_DIRECTORY "${src}" RESULT_VARIABLE rc1 OUTPUT_VARIABLE st1 ERROR_QUIET)
    execute_process(COMMAND ${git} status --porcelain --untracked-files=normal -- engine kernels bench tests cmake
                    WORKING_DIRECTORY "${src}" RESULT_VARIABLE rc2 OUTPUT_VARIABLE st2 ERROR_QUIET)
    if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0)
      set(id "${id}-unknown-state")
    elseif(st1 OR st2)
      set(id "${id}-dirty")
    endif()
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
