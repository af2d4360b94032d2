# zactor_add_zidl(<target> <file.zidl>...)
# placeholder
function(zactor_add_zidl target)
endfunction()
