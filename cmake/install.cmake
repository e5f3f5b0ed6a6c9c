# `cmake --install build --prefix P` puts minicnn where other projects find it:
#   P/include/minicnn/...               the headers
#   P/lib/libminicnn.a                  the library (libminicnn.so with -DMINICNN_SHARED=ON)
#   P/lib/cmake/minicnn/                find_package(minicnn) -> minicnn::minicnn, with its dependencies
#   P/lib/pkgconfig/minicnn.pc          pkg-config --cflags --libs minicnn
#   P/bin/minicnn                       the tool
# The in-tree programs keep linking the OBJECT library `minicnn`; the installed library is built
# from the same object files.
if(CMAKE_VERSION VERSION_LESS 3.24)  # $<LINK_LIBRARY:WHOLE_ARCHIVE,...> below
  message(STATUS "minicnn: no install rules: they need CMake >= 3.24 (this is ${CMAKE_VERSION})")
  return()
endif()
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

option(MINICNN_SHARED "Install minicnn as a shared library (default: static)" OFF)

set(MINICNN_PC_LIBS_ONNX "")
set(MINICNN_PC_REQUIRES_ONNX "")
if(MINICNN_HAVE_ONNX)
  set(MINICNN_PC_LIBS_ONNX " -lonnx -lonnx_proto")
  set(MINICNN_PC_REQUIRES_ONNX " protobuf")
endif()
if(MINICNN_SHARED)
  set_target_properties(minicnn PROPERTIES POSITION_INDEPENDENT_CODE ON)
  add_library(minicnn_library SHARED $<TARGET_OBJECTS:minicnn>)
  set_target_properties(minicnn_library PROPERTIES OUTPUT_NAME minicnn EXPORT_NAME minicnn
                        VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
  set(MINICNN_INSTALLED_TARGETS minicnn_library)
  set(MINICNN_PC_LIBS "-L\${libdir} -lminicnn")
else()
  add_library(minicnn_library STATIC $<TARGET_OBJECTS:minicnn>)
  set_target_properties(minicnn_library PROPERTIES OUTPUT_NAME minicnn EXPORT_NAME archive)
  # Layers register themselves from static initialisers (MINICNN_REGISTER_LAYER) that nothing
  # refers to, so a plain link of the archive would drop them: minicnn::minicnn links it whole.
  # $<TARGET_NAME:...> lets install(EXPORT) rename the archive to minicnn::archive.
  add_library(minicnn_whole_archive INTERFACE)
  set_target_properties(minicnn_whole_archive PROPERTIES EXPORT_NAME minicnn)
  target_link_libraries(minicnn_whole_archive INTERFACE "$<LINK_LIBRARY:WHOLE_ARCHIVE,$<TARGET_NAME:minicnn_library>>")
  set(MINICNN_INSTALLED_TARGETS minicnn_library minicnn_whole_archive)
  set(MINICNN_PC_LIBS "-L\${libdir} -Wl,--whole-archive -lminicnn -Wl,--no-whole-archive${MINICNN_PC_LIBS_ONNX} -lcpp-httplib")
endif()
target_include_directories(minicnn_library PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                                                  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(minicnn_library PUBLIC ${MINICNN_DEPENDENCIES} PRIVATE ${MINICNN_PRIVATE_DEPENDENCIES})

install(TARGETS ${MINICNN_INSTALLED_TARGETS} EXPORT minicnnTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS minicnn_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/minicnn DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT minicnnTargets NAMESPACE minicnn:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minicnn)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/minicnnConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/minicnnConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minicnn)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/minicnnConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/minicnnConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/minicnnConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minicnn)
set(MINICNN_PC_REQUIRES_MPI "")
if(MPI_CXX_FOUND)
  set(MINICNN_PC_REQUIRES_MPI " mpi-c")
endif()
# pkg-config: paths relative to the file itself, so it is right wherever --prefix puts it.
file(RELATIVE_PATH MINICNN_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
configure_file(${CMAKE_CURRENT_LIST_DIR}/minicnn.pc.in ${CMAKE_CURRENT_BINARY_DIR}/minicnn.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/minicnn.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
