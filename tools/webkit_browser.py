#!/usr/bin/python3
"""A tiny WebKitGTK browser (Safari's engine) for WebKitWebDriver, which starts it with
``--automation``; the tests name it through Selenium's ``webkitgtk:browserOptions``.

    --data-dir=DIR   website data (IndexedDB among it) kept on disk in DIR, as a browser does
    (none)           an ephemeral session, as private browsing (WebKit refuses Blobs there)

Debian's MiniBrowser only has the ephemeral kind under automation. Runs on Debian's Python, which
has PyGObject (python3-gi) and WebKit's introspection data (gir1.2-webkit2-4.1)."""
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402

data_dir = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--data-dir=")), None)
manager = (WebKit2.WebsiteDataManager(base_data_directory=data_dir, base_cache_directory=data_dir + "/cache")
           if data_dir else WebKit2.WebsiteDataManager.new_ephemeral())
context = WebKit2.WebContext(website_data_manager=manager)
context.set_automation_allowed(True)
windows = []


def create_view(_session):
    view = WebKit2.WebView(web_context=context, is_controlled_by_automation=True)
    window = Gtk.Window()
    window.set_default_size(1280, 800)
    window.add(view)
    window.show_all()
    windows.append(window)
    return view


def started(_context, session):
    info = WebKit2.ApplicationInfo()
    info.set_name("vault-test-browser")
    info.set_version(1, 0, 0)
    session.set_application_info(info)
    session.connect("create-web-view", create_view)


context.connect("automation-started", started)
Gtk.main()
