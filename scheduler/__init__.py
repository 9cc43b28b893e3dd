"""The one repeating job that sends what schedules have made due."""
