# mcpsim_embed(target NAME symbol FILES a.yaml b.yaml): compiles the files into the target as
# `std::string_view symbol()` returning their concatenation (YAML documents joined by ---).
function(mcpsim_embed target)
  cmake_parse_arguments(E "" "NAME;SYMBOL" "FILES" ${ARGN})
  set(out "${CMAKE_CURRENT_BINARY_DIR}/embedded_${E_NAME}.cpp")
  set(deps)
  foreach(f ${E_FILES})
    list(APPEND deps "${CMAKE_CURRENT_SOURCE_DIR}/${f}")
  endforeach()
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DSYMBOL=${E_SYMBOL} "-DFILES=${deps}"
            -P "${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake"
    DEPENDS ${deps} "${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
