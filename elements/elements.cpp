// SPDX-License-Identifier: LGPL-2.1-or-later
// Placeholder translation unit: the element sources (gangen, gandetect) are added beside it.
namespace gan_elements {}
