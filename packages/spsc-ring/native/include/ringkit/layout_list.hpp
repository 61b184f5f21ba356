// How every ringkit package writes a shared-memory or ABI layout down once for C++ (the
// convention ARCHITECTURE.md names): each group of constants is one X-macro list of
//
//   X(namespace, C++ name, "TypeScript name", type, value)
//
// The package's layout.hpp defines its constants from the lists (RINGKIT_LAYOUT_DEFINE)
// and visits them for its addon's layout() export (RINGKIT_LAYOUT_VISIT); the package's
// layout test compares that export with src/layout.ts name by name. A constant exists in
// C++ only through a list, so one added to either language alone fails that test.
#pragma once

// Defines one constant of a list, inside the list's namespace.
#define RINGKIT_LAYOUT_DEFINE(ns, name, ts_name, type, value) inline constexpr type name = value;

// Hands one constant to a `visit(const char* ts_name, double value)` in scope.
#define RINGKIT_LAYOUT_VISIT(ns, name, ts_name, type, value) \
  visit(ts_name, static_cast<double>(ns::name));
