document.getElementById("main").textContent = "CPS";
