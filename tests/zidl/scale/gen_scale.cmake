# Writes a large schema to OUTPUT: MESSAGES messages (default 5000) and
# ACTORS actors (default 500), each actor accepting MESSAGES / ACTORS of
# them, with enums, structs and strings in the fields so that layout,
# validation and type ids all have work to do.
#
#   cmake -DOUTPUT=scale.zidl [-DMESSAGES=5000] [-DACTORS=500] -P gen_scale.cmake
if(NOT DEFINED MESSAGES)
  set(MESSAGES 5000)
endif()
if(NOT DEFINED ACTORS)
  set(ACTORS 500)
endif()
math(EXPR per_actor "${MESSAGES} / ${ACTORS}")
math(EXPR last_message "${MESSAGES} - 1")
math(EXPR last_actor "${ACTORS} - 1")

string(CONCAT text "package scale;\n\nenum Kind : u8 { NONE, SMALL, LARGE }\n"
                   "struct Point { f64 x; f64 y; Kind kind; }\n\n")
foreach(i RANGE ${last_message})
  math(EXPR variant "${i} % 4")
  if(variant EQUAL 0)
    string(APPEND text "message Msg${i} { u32 id; u64 stamp; }\n")
  elseif(variant EQUAL 1)
    string(APPEND text "message Msg${i} { u32 id; string<24> name; Kind kind; }\n")
  elseif(variant EQUAL 2)
    math(EXPR target "${i} % ${ACTORS}")
    string(APPEND text "message Msg${i} { Point at; u8 data[100]; ref<Actor${target}> to; }\n")
  else()
    string(APPEND text "message Msg${i} { u16 a; i16 b; f32 c; bool d; Point p[2]; }\n")
  endif()
endforeach()
foreach(a RANGE ${last_actor})
  string(APPEND text "\nactor Actor${a} {\n    state { u64 handled; }\n")
  math(EXPR first "${a} * ${per_actor}")
  math(EXPR last "${first} + ${per_actor} - 1")
  foreach(m RANGE ${first} ${last})
    string(APPEND text "    on Msg${m};\n")
  endforeach()
  string(APPEND text "}\n")
endforeach()
file(WRITE "${OUTPUT}" "${text}")
