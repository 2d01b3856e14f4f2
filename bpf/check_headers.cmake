# Compiles each bpf/*.h alone, after vmlinux.h only, with the BPF
# object's flags: every header must include what it uses.  Run by the
# ctest test bpf_headers_alone (bpf/CMakeLists.txt):
#   cmake -DCLANG=... -DFLAGS=<;-list> -DSRC=<bpf dir> -DOUT=<dir> -P check_headers.cmake
file(GLOB headers RELATIVE ${SRC} ${SRC}/*.h)
list(SORT headers)
file(MAKE_DIRECTORY ${OUT})
set(failed "")
foreach(h IN LISTS headers)
  string(REPLACE "." "_" stem ${h})
  set(c ${OUT}/${stem}.c)
  file(WRITE ${c} "#include \"vmlinux.h\"\n#include \"${h}\"\n")
  execute_process(COMMAND ${CLANG} ${FLAGS} -fsyntax-only ${c}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc EQUAL 0)
    message("ok      ${h}")
  else()
    message("FAILED  ${h}\n${out}")
    list(APPEND failed ${h})
  endif()
endforeach()
list(LENGTH headers n)
if(failed)
  message(FATAL_ERROR "headers that do not compile alone: ${failed}")
endif()
message("${n} headers compile alone")
