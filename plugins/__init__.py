"""Built-in plugins: one folder each, named by the plugin id (see core.plugin_system)."""
