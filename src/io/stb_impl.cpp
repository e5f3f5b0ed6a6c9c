// The one translation unit that compiles stb's implementations (Debian's libstb-dev ships the
// headers; linking its libstb as well would duplicate these symbols).
#define STBI_MAX_DIMENSIONS 16384  // = kImageMaxSide: stb refuses larger images before allocating
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include <stb_image_resize.h>
