/** The web inbox's entry: styles, then the app into #app. */
import "./styles.css"
import { render } from "preact"
import { App } from "./App.tsx"

const root = document.getElementById("app")
if (root !== null) {
  root.textContent = ""
  render(<App />, root)
}
