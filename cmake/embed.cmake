# rc_embed(TARGET SYMBOL FILE): generate a C file holding FILE's bytes as
#   const unsigned char SYMBOL[]; const size_t SYMBOL_len;
# and add it to TARGET. The array is NUL-terminated (not counted in _len) so
# text files can be used as C strings.
function(rc_embed target symbol file)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/embed_${symbol}.c)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${out} -DSYM=${symbol}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake
    DEPENDS ${file} ${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake
    COMMENT "Embedding ${file}")
  target_sources(${target} PRIVATE ${out})
endfunction()
