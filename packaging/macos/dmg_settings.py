"""dmgbuild settings for snow-wizard-<version>.dmg (run by packaging/build.py on macOS).

    dmgbuild -s packaging/macos/dmg_settings.py -D app="dist/Snow Wizard.app" \\
        -D version=0.1.0 "Snow Wizard" dist/snow-wizard-0.1.0.dmg

The disk image shows the app beside an Applications link: drag to install.
dmgbuild executes this file with ``defines`` (the -D values) in its namespace.
"""

import os.path

defines = globals().get("defines", {})  # provided by dmgbuild

application = defines.get("app", "dist/Snow Wizard.app")
appname = os.path.basename(application)
version = defines.get("version", "")

# Volume
format = defines.get("format", "UDZO")  # zlib-compressed, read-only
compression_level = 9
filesystem = "HFS+"
size = None  # computed from the contents

# Contents: the app and a link to /Applications
files = [application]
symlinks = {"Applications": "/Applications"}
hide_extension = [appname]

# Icon of the volume: the app's own icon
badge_icon = None
icon = os.path.join(application, "Contents", "Resources", "snow-wizard.icns")
if not os.path.exists(icon):
    icon = None

# Window
show_status_bar = False
show_tab_view = False
show_toolbar = False
show_pathbar = False
show_sidebar = False
window_rect = ((200, 120), (560, 340))
default_view = "icon-view"
icon_size = 112
text_size = 13
arrange_by = None
icon_locations = {appname: (140, 150), "Applications": (420, 150)}
background = "builtin-arrow"

# License: none shown (MIT, in the app)
