# Warnings are errors in our own code; third-party headers are included as system headers.
function(mcpsim_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
endfunction()
